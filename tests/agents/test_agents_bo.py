"""Tests of the Bayesian-optimisation agent (``archgym.agents.make("bo")``).

The agent runs with tiny budgets on a toy scenario implementing exactly the protocol
agents rely on (``space``, ``evaluate(X).to_frame()``, ``n_objectives``,
``objective_columns``, ``budgets``, ``ref_point``, ``id``, and optionally
``known_metrics``). Whether BO beats random search is checked in a benchmark, not here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from archgym.agents import AgentError, make
from archgym.agents.base import Observations
from archgym.agents.bayesopt import BOAgent, BOSettings, slack_constraint, slack_to_botorch
from archgym.agents.transfer_data import prepare_transfer, source_seeds
from archgym.scenarios.evaluation import relative_slack
from archgym.space import Categorical, DesignSpace, Integer, Ordinal, PowerOfTwo

torch.set_num_threads(1)


class _Result:
    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def to_frame(self) -> pd.DataFrame:
        return self._frame


class ToyAccelerator:
    """A 1,500-design toy accelerator: array ``rows x cols`` of ``lanes``-MAC PEs, a
    buffer of ``sram_kib`` and a dataflow. Latency falls with MACs and buffer size; area
    grows with both (analytic, so it can be a known constraint). Designs with the smallest
    buffer and 4 lanes are rejected (non-finite latency and energy).

    Args:
        n_objectives: 1 (``objective = -latency_ms``) or 2 (``-latency_ms``, ``-energy_mj``).
        area_budget: the area budget (mm^2).
        latency_budget: an optional latency budget (ms), a constraint only known by evaluating.
        known: expose ``known_metrics`` (analytic area and acceptance).
        size: "small" (1,500 designs) or "large" (adds two knobs: 150,000 designs).
    """

    def __init__(
        self,
        n_objectives: int = 1,
        area_budget: float = 3.0,
        latency_budget: float | None = None,
        known: bool = True,
        size: str = "small",
    ) -> None:
        knobs = [
            PowerOfTwo("rows", 4, 64),
            PowerOfTwo("cols", 4, 64),
            Categorical("dataflow", ["os", "ws", "is"]),
            Ordinal("sram_kib", [8, 16, 32, 64, 128]),
            Integer("lanes", 1, 4),
        ]
        if size == "large":
            knobs += [
                Integer("cores", 1, 10),
                Ordinal("bandwidth_gbps", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]),
            ]
        self.space = DesignSpace(knobs)
        self.budgets = {"area_mm2": area_budget}
        if latency_budget is not None:
            self.budgets["latency_ms"] = latency_budget
        self.n_objectives = n_objectives
        self.num_objectives = n_objectives  # archgym.agents.problem.Problem
        self.objective_columns = (
            ["objective"] if n_objectives == 1 else ["objective_latency_ms", "objective_energy_mj"]
        )
        self.ref_point = np.array([-50.0, -50.0]) if n_objectives == 2 else None
        self.id = f"toy-{size}-{n_objectives}obj"
        self.calls = 0
        if not known:
            self.known_metrics = None  # type: ignore[assignment]

    def metrics(self, X: np.ndarray) -> dict[str, np.ndarray]:
        sp = self.space
        rows = sp.values(X, "rows").astype(float)
        cols = sp.values(X, "cols").astype(float)
        lanes = sp.values(X, "lanes").astype(float)
        sram = sp.values(X, "sram_kib").astype(float)
        flow = sp.values(X, "dataflow")
        cores = sp.values(X, "cores").astype(float) if "cores" in sp else np.ones(len(X))
        bw = (
            sp.values(X, "bandwidth_gbps").astype(float)
            if "bandwidth_gbps" in sp
            else np.full(len(X), 64.0)
        )
        macs = rows * cols * lanes * cores
        eff = np.select([flow == "os", flow == "ws"], [1.0, 0.85], 0.7)
        shape = 1.0 + 0.15 * np.abs(np.log2(rows / cols))
        latency = 2e4 / (macs * eff) * shape + 40.0 / sram + 20.0 / bw
        energy = 0.02 * latency + 1e-4 * macs + 0.002 * sram
        area = 0.0015 * macs + 0.006 * sram + 0.3 + 0.01 * bw / 64 * cores
        rejected = (sram == 8) & (lanes == 4)
        latency = np.where(rejected, np.inf, latency)
        energy = np.where(rejected, np.inf, energy)
        return {"latency_ms": latency, "energy_mj": energy, "area_mm2": area, "accepted": ~rejected}

    def known_metrics(self, X: np.ndarray) -> dict[str, np.ndarray]:
        m = self.metrics(np.asarray(X, np.int64))
        return {"area_mm2": m["area_mm2"], "accepted": m["accepted"]}

    def evaluate(self, X: Any) -> _Result:
        self.calls += 1
        X = self.space.validate(X).reshape(-1, self.space.n_knobs)
        m = self.metrics(X)
        frame = self.space.to_frame(X)
        for k in ("latency_ms", "energy_mj", "area_mm2"):
            frame[k] = m[k]
        frame["objective"] = -m["latency_ms"]
        if self.n_objectives == 2:
            frame["objective_latency_ms"] = -m["latency_ms"]
            frame["objective_energy_mj"] = -m["energy_mj"]
        feasible = m["accepted"].copy()
        for metric, budget in self.budgets.items():
            with np.errstate(invalid="ignore"):
                frame[f"slack_{metric}"] = budget - m[metric]
                feasible &= frame[f"slack_{metric}"].to_numpy() >= 0
        frame["feasible"] = feasible
        return _Result(frame)

    def optimum(self) -> float:
        X = self.space.unravel(np.arange(self.space.size))
        f = self.evaluate(X).to_frame()
        return float(f.loc[f["feasible"], "objective"].max())


FAST = {
    "n_init": 6,
    "num_mc_samples": 32,
    "shortlist": 24,
    "fit_maxiter": 20,
    "refit_maxiter": 5,
    "pool_size": 256,
    "local_steps": 2,
}


def _keys(space: DesignSpace, frame: pd.DataFrame) -> np.ndarray:
    return space.ravel(space.encode_batch(frame[space.names]))


# ---------------------------------------------------------------------------------------
# sign conventions
# ---------------------------------------------------------------------------------------


def test_slack_sign_conversion() -> None:
    slack = torch.tensor([2.0, 0.0, -1.5])
    assert torch.equal(slack_to_botorch(slack), torch.tensor([-2.0, -0.0, 1.5]))
    # BoTorch: feasible iff constraint value <= 0; archgym: feasible iff slack >= 0
    assert ((slack_to_botorch(slack) <= 0) == (slack >= 0)).all()
    samples = torch.tensor([[[[5.0, 1.0, -2.0]]]])  # sample x batch x q x outputs
    c = slack_constraint(1)(samples)
    assert c.shape == (1, 1, 1) and float(c) == -1.0
    assert float(slack_constraint(2)(samples)) == 2.0


@pytest.mark.filterwarnings("ignore::linear_operator.utils.warnings.NumericalWarning")
def test_fast_marginals_match_posterior() -> None:
    """The candidate screen's marginals equal BoTorch's posterior (single- and multi-task)."""
    from botorch.models import MultiTaskGP, SingleTaskGP
    from botorch.models.transforms.outcome import Standardize

    from archgym.agents.bayesopt import _Predictor, mixed_kernel

    torch.manual_seed(0)
    X = torch.rand(12, 4, dtype=torch.double)
    X[:, 1] = torch.randint(0, 3, (12,)).double() / 2
    Y = X.sum(-1, keepdim=True) * 3 + 1
    Xc = torch.rand(5, 4, dtype=torch.double)
    Xc[:, 1] = torch.randint(0, 3, (5,)).double() / 2
    gp = SingleTaskGP(
        X, Y, covar_module=mixed_kernel([0, 2, 3], [1]), outcome_transform=Standardize(m=1)
    ).eval()
    task = (torch.arange(12) >= 6).double().unsqueeze(-1)
    mt = MultiTaskGP(
        torch.cat([X, task], -1),
        Y,
        task_feature=4,
        output_tasks=[1],
        covar_module=mixed_kernel([0, 2, 3], [1]),
        outcome_transform=Standardize(m=1),
    ).eval()
    for model in (gp, mt):
        post = model.posterior(Xc)
        mu, sd = _Predictor(model)(Xc)
        assert torch.allclose(mu, post.mean.reshape(-1).detach(), atol=1e-6)
        assert torch.allclose(sd, post.variance.reshape(-1).sqrt().detach(), atol=1e-4)


def test_slack_transform_keeps_sign() -> None:
    agent = BOAgent(**FAST).setup(ToyAccelerator(), seed=0)
    S = np.array([[1.0], [0.0], [-0.3], [-50.0], [np.inf], [-np.inf], [np.nan]])
    builder = agent._data_builder  # noqa: SLF001 - the transforms the GPs see
    T = builder.slack_t(S, relative_slack(S, agent._budget_values))  # noqa: SLF001
    assert (np.sign(T[:4, 0]) == np.sign(S[:4, 0])).all()
    assert np.isnan(T[4:, 0]).all()
    Ti = builder.impute(T)
    assert (Ti[4:, 0] < Ti[:4, 0].min()).all()


# ---------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------


def test_single_objective_run_valid_unique_and_deterministic() -> None:
    sc = ToyAccelerator()
    h1 = make("bo", **FAST).run(sc, budget=10, seed=3)
    h2 = make("bo", **FAST).run(ToyAccelerator(), budget=10, seed=3)
    assert len(h1) == 10
    k1 = _keys(sc.space, h1.frame)
    assert len(set(k1.tolist())) == 10, "a design was proposed twice"
    assert np.array_equal(k1, _keys(sc.space, h2.frame)), "not deterministic for a seed"
    assert np.allclose(h1.frame["objective"], h2.frame["objective"])
    h3 = make("bo", **FAST).run(ToyAccelerator(), budget=8, seed=4)
    assert not np.array_equal(k1[:8], _keys(sc.space, h3.frame))
    # the filter keeps every proposal within the (known) area budget and accepted
    assert (h1.frame["area_mm2"] <= sc.budgets["area_mm2"]).all()
    assert np.isfinite(h1.frame["latency_ms"]).all()
    assert h1.best() is not None


def test_model_phase_is_used_and_timed() -> None:
    agent = make("bo", **FAST)
    agent.run(ToyAccelerator(), budget=10, seed=0)
    assert len(agent.timings) == 4
    assert all(t["phase"] == "improvement" for t in agent.timings)
    d = agent.describe()
    assert d["search"] == "exhaustive"
    assert d["filtered_constraints"] == ["area_mm2", "accepted"]
    assert d["acquisition"] == "qLogNEI"


def test_large_space_pool_search_batches() -> None:
    sc = ToyAccelerator(size="large")
    agent = make("bo", batch_size=3, **FAST)
    h = agent.run(sc, budget=12, seed=1)
    assert len(h) == 12
    X = sc.space.encode_batch(h.frame[sc.space.names])
    assert sc.space.contains(X)
    assert len(set(sc.space.ravel(X).tolist())) == 12
    assert agent.describe()["search"] == "pool + local search"
    assert (h.frame["area_mm2"] <= sc.budgets["area_mm2"]).all()


def test_multi_objective_run() -> None:
    sc = ToyAccelerator(n_objectives=2)
    agent = make("bo", batch_size=2, **FAST)
    h = agent.run(sc, budget=10, seed=0)
    assert len(h) == 10
    assert agent.describe()["acquisition"] == "qLogNEHVI"
    assert any(t["phase"] == "improvement" for t in agent.timings)
    assert len(set(_keys(sc.space, h.frame).tolist())) == 10


def test_without_known_constraints_and_rejected_designs() -> None:
    """Without the filter, rejected designs (non-finite metrics) are told and modelled."""
    sc = ToyAccelerator(known=False, area_budget=2.0)
    agent = make("bo", filter_known_constraints=False, **FAST)
    h = agent.run(sc, budget=9, seed=2)
    assert agent.describe()["filtered_constraints"] == []
    assert len(h) == 9
    # a rejected design: objective -inf, slack finite -> the extra "valid" outcome
    X = np.array([[0, 0, 0, 0, 3], [4, 4, 0, 4, 3]])
    obs = Observations.from_frame(X, sc.evaluate(X).to_frame())
    assert not obs.feasible[0]
    agent.tell(X, obs)
    data = agent._training_data()
    assert data is not None and data.outcomes[-1].name == "valid"


def test_feasibility_phase_when_nothing_is_feasible() -> None:
    """A latency budget nothing in the initial design meets: the agent maximises the
    probability of feasibility (and finds a feasible design on this toy)."""
    sc = ToyAccelerator(area_budget=100.0, latency_budget=5.0)  # ~3 % of designs feasible
    agent = make("bo", **{**FAST, "n_init": 4})
    h = agent.run(sc, budget=10, seed=0)
    assert not h.frame["feasible"].iloc[:4].any()
    assert agent.timings[0]["phase"] == "feasibility"
    assert h.frame["feasible"].any()


def test_resume_replays_the_same_run() -> None:
    sc = ToyAccelerator()
    h = make("bo", **FAST).run(sc, budget=9, seed=1)
    h2 = make("bo", **FAST).run(ToyAccelerator(), budget=9, seed=1, resume=h.frame.iloc[:7])
    assert np.array_equal(h.frame[sc.space.names].to_numpy(), h2.frame[sc.space.names].to_numpy())


class _ThreadProbe(ToyAccelerator):
    """Records torch's thread count at every evaluation (inside the agent's run loop)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.threads_seen: list[int] = []

    def evaluate(self, X: np.ndarray) -> Any:
        self.threads_seen.append(torch.get_num_threads())
        return super().evaluate(X)


def test_threads_setting_pins_torch_and_keeps_proposals() -> None:
    """Same seed, same proposals whatever torch's thread count outside the agent; the
    agent runs at its own count and gives the outside one back."""
    before = torch.get_num_threads()
    runs = []
    try:
        for outside in (2, 1):
            torch.set_num_threads(outside)
            sc = _ThreadProbe(size="large")
            h = make("bo", **FAST).run(sc, budget=12, seed=3)
            assert torch.get_num_threads() == outside, "the outside thread count was not restored"
            assert set(sc.threads_seen) == {1}
            runs.append(_keys(sc.space, h.frame))
        torch.set_num_threads(2)
        agent = make("bo", **FAST).setup(ToyAccelerator(), seed=0)
        agent.ask(7)  # past the initial design: a model-based ask
        assert torch.get_num_threads() == 2
        sc = _ThreadProbe()
        make("bo", threads=2, **FAST).run(sc, budget=3, seed=0)
        assert set(sc.threads_seen) == {2}
    finally:
        torch.set_num_threads(before)
    assert np.array_equal(runs[0], runs[1])


def test_initial_design_starts_at_the_admissible_centre() -> None:
    # area 100: the centre itself is admissible
    sc = ToyAccelerator(area_budget=100.0)
    x0 = make("bo", init_center=True, **FAST).setup(sc, seed=0).ask(1)[0]
    sizes = np.array([len(k.choices) for k in sc.space.knobs])
    ordered = sc.space.ordered_dims()
    assert np.array_equal(x0[ordered], ((sizes - 1) // 2)[ordered])
    # a tight area budget rules the centre out: the first design is admissible, and no
    # admissible design is nearer the centre
    tight = ToyAccelerator(area_budget=0.6)
    agent = make("bo", init_center=True, **FAST).setup(tight, seed=0)
    x = agent.ask(1)
    assert agent._known_ok(x)[0]
    grid = tight.space.unravel(np.arange(tight.space.size))
    ok = grid[agent._known_ok(grid)]
    c = (sizes - 1) // 2
    z, zc = tight.space.normalize(ok), tight.space.normalize(c[None])[0]
    dist = ((z[:, ordered] - zc[ordered]) ** 2).sum(1)
    zx = tight.space.normalize(x)[0]
    assert ((zx[ordered] - zc[ordered]) ** 2).sum() <= dist.min() + 1.0 + 1e-12


def test_sparse_refits() -> None:
    """Hyperparameters are re-optimised only once the data has grown by refit_growth."""
    sc = ToyAccelerator()
    agent = make("bo", **{**FAST, "refit_growth": 0.5})
    agent.run(sc, budget=14, seed=0)
    fits = sorted(set(agent._last_fit.values()))
    # fits at 6 (first), then at >= 9 (6 * 1.5), then >= 14 ...
    assert fits and max(fits) <= 13
    assert all(b - a >= math.ceil(0.5 * a) for a, b in zip(fits, fits[1:], strict=False))
    every = make("bo", **{**FAST, "refit_growth": 0.0})
    every.run(ToyAccelerator(), budget=10, seed=0)
    assert set(every._last_fit.values()) == {9}


def test_ask_without_tell_never_repeats() -> None:
    sc = ToyAccelerator()
    agent = BOAgent(**FAST).setup(sc, seed=0)
    X1 = agent.ask(4)
    X2 = agent.ask(4)
    keys = sc.space.ravel(np.vstack([X1, X2]))
    assert len(set(keys.tolist())) == 8


# ---------------------------------------------------------------------------------------
# transfer
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source_history() -> Any:
    return make("bo", **FAST).run(ToyAccelerator(area_budget=4.0), budget=14, seed=5)


def test_transfer_recomputes_slacks(source_history: Any) -> None:
    target = ToyAccelerator(area_budget=2.0)
    td = prepare_transfer(source_history, target.space, ["objective"], target.budgets)
    assert td.slack_source == {"area_mm2": "recomputed"}
    expected = 2.0 - source_history.frame["area_mm2"].to_numpy()
    assert np.allclose(td.slack[:, 0], expected)
    assert np.array_equal(td.feasible, expected >= 0)
    seeds = source_seeds(td, 3)
    assert len(seeds) <= 3
    if len(seeds):
        assert (target.evaluate(seeds).to_frame()["slack_area_mm2"] >= 0).all()


@pytest.mark.parametrize("method", ["multitask", "warmstart"])
def test_transfer_runs_and_uses_source(source_history: Any, method: str) -> None:
    # a tighter budget that the source's best design still meets
    best_area = float(source_history.best()["area_mm2"])
    target = ToyAccelerator(area_budget=best_area)
    agent = make("bo", transfer_from=source_history, transfer_method=method, **FAST)
    h = agent.run(target, budget=10, seed=0)
    assert len(h) == 10
    td = prepare_transfer(source_history, target.space, ["objective"], target.budgets)
    seeds = source_seeds(td, min(agent.settings.transfer_init, agent.settings.n_init))
    assert len(seeds) > 0
    first = target.space.encode_batch(h.frame[target.space.names].iloc[: len(seeds)])
    assert np.array_equal(first, seeds), "the source's best designs come first"
    d = agent.describe()
    assert d["transfer"]["method"] == method and d["transfer"]["rows"] == len(source_history)
    if method == "multitask":
        data = agent._training_data()
        assert data is not None and all(o.multitask for o in data.outcomes)
        assert len(data.outcomes[0].y) > (h.frame["objective"].map(np.isfinite)).sum()


def test_transfer_none_ignores_source(source_history: Any) -> None:
    target = ToyAccelerator()
    a = make("bo", transfer_from=source_history, transfer_method=None, **FAST)
    b = make("bo", **FAST)
    ha, hb = a.run(target, budget=8, seed=0), b.run(ToyAccelerator(), budget=8, seed=0)
    assert np.array_equal(_keys(target.space, ha.frame), _keys(target.space, hb.frame))
    assert a.describe()["transfer"] is None


def test_transfer_frame_with_mismatched_knobs(source_history: Any) -> None:
    frame = source_history.frame.rename(columns={"rows": "height"})
    agent = make("bo", transfer_from=frame, **FAST)
    with pytest.raises(AgentError, match="lacks the target's knob column"):
        agent.setup(ToyAccelerator(), seed=0)


# ---------------------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"n_init": -1}, "n_init must be an integer >= 0"),
        ({"transfer_method": "finetune"}, "unknown transfer_method 'finetune'"),
        ({"refit_every": 0}, "refit_every must be an integer >= 1"),
        ({"refit_growth": 2.0}, "refit_growth must be a number in"),
        ({"threads": 0}, "threads must be an integer >= 1 or None"),
        ({"objective_transform": "sqrt"}, "objective_transform must be"),
        ({"batch_size": 0}, "batch_size"),
        ({"no_such": 1}, "unknown setting"),
    ],
)
def test_bad_settings_raise(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(AgentError, match=message):
        make("bo", **overrides)


def test_bad_transfer_data_type() -> None:
    with pytest.raises(AgentError, match="transfer_from must be a History or a pandas DataFrame"):
        BOAgent(transfer_from=[1, 2, 3])  # type: ignore[arg-type]


def test_settings_dataclass_documented() -> None:
    import dataclasses

    names = {f.name for f in dataclasses.fields(BOSettings)}
    assert {"n_init", "transfer_method", "filter_known_constraints", "batch_size"} <= names
