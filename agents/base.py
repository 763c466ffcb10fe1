"""The agent interface: ``ask(n) -> designs``, ``tell(designs, results)``, and the
``run(scenario, budget, seed) -> History`` loop shared by every agent.

Designs are ``batch x n_knobs`` int64 arrays of choice indices of the scenario's
``DesignSpace``. Agents MAXIMISE the scenario's objective (or each of its objectives);
a budget's slack is ``budget - value`` and a design is feasible iff every slack >= 0.
Infeasible designs are told back like any other (agents that cannot use them still see
them; none is dropped), and the History logs every evaluation.

What an agent learns from evaluations is :class:`~archgym.agents.observations.Observations`;
the settings every agent shares and :class:`AgentError` are in :mod:`archgym.agents.settings`
(both importable from here too).
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import sys
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd

from archgym.space import DesignSpace

from .observations import Observations
from .problem import Problem, Scores, problem_errors  # Problem: importable from here too
from .settings import AgentError, AgentSettings
from .settings import is_int as is_int
from .settings import is_real as is_real

# What base defines; AgentError, AgentSettings, is_int, is_real (agents/settings.py),
# Observations (agents/observations.py) and Problem (agents/problem.py) import from here too.
__all__ = ["Agent", "History", "PrivateRNG", "torch_threads"]


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run a block with torch's intra-op thread count set to ``n`` and restore it after.

    Does nothing when ``n`` is None or torch has not been imported (an agent that does not
    use torch never imports it for this).
    """
    torch = sys.modules.get("torch")
    if n is None or torch is None:
        yield
        return
    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


class PrivateRNG:
    """An agent's own copy of the global Python, numpy and torch (CPU) random states
    (for libraries that draw from the globals: Stable-Baselines3).

    Inside :meth:`active` the globals hold the agent's states; on exit the agent's states
    are saved and the caller's restored. The first activation starts from the caller's
    states, so seed inside it (``set_random_seed``, ``torch.manual_seed``).
    """

    def __init__(self) -> None:
        self._state: tuple[Any, Any, Any] | None = None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        import torch

        saved = (random.getstate(), np.random.get_state(), torch.get_rng_state())
        if self._state is not None:
            py, npy, th = self._state
            random.setstate(py)
            np.random.set_state(npy)
            torch.set_rng_state(th)
        try:
            yield
        finally:
            self._state = (random.getstate(), np.random.get_state(), torch.get_rng_state())
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.set_rng_state(saved[2])


@dataclass
class History:
    """The tidy log of a run: one row per evaluation (run id, agent, seed, step, each knob
    by name, each metric, ``objective``, ``feasible``, each slack, wall time), plus the
    settings that reproduce it."""

    frame: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def best(self) -> pd.Series | None:
        """The best feasible row (highest ``objective``), or None if nothing is feasible."""
        f = self.frame[self.frame["feasible"]]
        if f.empty:
            return None
        best = f.loc[cast(Any, f["objective"].idxmax())]  # a row label (pandas' stub: Hashable)
        return cast(pd.Series, best)

    def best_so_far(self) -> np.ndarray:
        """Best feasible objective after each evaluation (``-inf`` before the first feasible)."""
        v = np.where(
            self.frame["feasible"].to_numpy(), self.frame["objective"].to_numpy(float), -np.inf
        )
        return np.maximum.accumulate(v) if len(v) else v

    def __len__(self) -> int:
        return len(self.frame)


def objective_columns(scenario: Problem) -> list[str]:
    """The log columns holding a problem's maximised objectives: ``["objective"]`` for one
    objective, ``objective_<metric>`` for each of several (:attr:`Problem.objective_columns`)."""
    return list(scenario.objective_columns)


class Agent(ABC):
    """Base of every search agent.

    Subclasses set ``name`` and ``Settings`` (a dataclass subclass of ``AgentSettings``
    whose field docstrings document each setting) and implement :meth:`_setup`,
    :meth:`ask` and :meth:`tell`. An agent is bound to one scenario by :meth:`setup` (or
    :meth:`run`), seeded, and deterministic for that seed.
    """

    name: ClassVar[str] = "agent"
    Settings: ClassVar[type[AgentSettings]] = AgentSettings
    supports_multi_objective: ClassVar[bool] = True

    def __init__(self, settings: AgentSettings | None = None, **overrides: Any):
        base = settings if settings is not None else self.Settings()
        if not isinstance(base, self.Settings):
            raise AgentError(
                f"{self.name}: settings must be a {self.Settings.__name__}, got {type(base).__name__}"
            )
        known = {f.name for f in dataclasses.fields(self.Settings)}
        unknown = set(overrides) - known
        if unknown:
            raise AgentError(
                f"{self.name}: unknown setting(s) {sorted(unknown)}; settings: {sorted(known)}"
            )
        self.settings = dataclasses.replace(base, **overrides)
        self.settings.validate()
        self.scenario: Problem = cast(Problem, None)  # bound by setup
        self.space: DesignSpace = cast(DesignSpace, None)
        self.rng: np.random.Generator = np.random.default_rng(0)
        self.seed = 0
        self.obs: Observations | None = None
        #: The evaluation budget of the :meth:`run` in progress (known to ``_setup``, for
        #: agents that plan by budget); None when the agent is driven by ask/tell directly.
        self.run_budget: int | None = None

    # --- binding -------------------------------------------------------------------------
    def setup(self, scenario: Problem, seed: int = 0) -> Agent:
        """Bind to ``scenario`` (its ``space`` and objectives) and seed every random source.

        Raises:
            AgentError: ``scenario`` is not a :class:`~archgym.agents.problem.Problem` (the
                message names what it lacks), a bad seed, or several objectives for an
                agent that optimises one.
        """
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise AgentError(f"seed must be a non-negative integer, got {seed!r}")
        missing = problem_errors(scenario)
        if missing:
            raise AgentError(
                f"{self.name}: {type(scenario).__name__} is not a Problem: it lacks {missing} "
                "(see archgym.agents.problem.Problem)"
            )
        self.scenario = scenario
        self.space = scenario.space
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        n_obj = int(scenario.num_objectives)
        if n_obj > 1 and not self.supports_multi_objective:
            raise AgentError(
                f"agent {self.name!r} optimises one objective; scenario {scenario.id!r} has {n_obj}"
            )
        if self.settings.batch_size > self.space.size:
            raise AgentError(
                f"batch_size={self.settings.batch_size} is larger than the space ({self.space.size} designs)"
            )
        n_budgets = len(scenario.budgets)
        self.obs = Observations.empty(len(self.space.names), n_obj, n_budgets)
        self._setup()
        return self

    def _setup(self) -> None:  # noqa: B027 - optional hook
        """Agent-specific initialisation after binding."""

    # --- the interface ---------------------------------------------------------------------
    @abstractmethod
    def ask(self, n: int | None = None) -> np.ndarray:
        """Propose ``n`` (default ``settings.batch_size``) designs.

        Returns:
            ``n x n_knobs`` int64 array of choice indices.

        Raises:
            AgentError: ``n`` is not a positive integer (:meth:`_ask_size`), or the agent
                is not set up.
        """

    def _ask_size(self, n: int | None) -> int:
        """The validated size of an ``ask``: ``n``, or ``settings.batch_size`` when None.

        Raises:
            AgentError: the agent is not set up, or ``n`` is not an integer >= 1.
        """
        if self.space is None:
            raise AgentError(f"{self.name}: call setup(scenario, seed) or run(...) before ask")
        n = self.settings.batch_size if n is None else n
        if not is_int(n) or n < 1:
            raise AgentError(f"{self.name}: ask(n) needs an integer n >= 1, got {n!r}")
        return int(n)

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """Learn from evaluated designs (feasible or not). The base keeps every observation.

        Args:
            X: ``n x n_knobs`` the designs.
            results: their :class:`Observations`, or the ``Evaluation`` itself.
        """
        self._record(X, results)

    def _record(
        self, X: np.ndarray, results: Observations | Scores
    ) -> tuple[np.ndarray, Observations]:
        """What every ``tell`` does first: keep ``results`` in :attr:`obs` and return the
        designs as an ``n x n_knobs`` int64 array with their complete :class:`Observations`.

        Raises:
            AgentError: the agent is not set up, or ``results`` is neither
                :class:`Observations` nor an ``Evaluation``.
        """
        if self.obs is None:
            raise AgentError(f"{self.name}: call setup(scenario, seed) or run(...) before tell")
        obs = self._as_observations(results)
        self.obs = self.obs.extend(obs)
        return np.asarray(X, np.int64).reshape(len(obs), -1), obs

    def _as_observations(self, results: Observations | Scores) -> Observations:
        """``results`` as complete :class:`Observations`: an ``Evaluation``'s arrays, or
        hand-built observations with ``relative_slack`` and ``violation`` filled in."""
        if not isinstance(results, Observations):
            if not isinstance(results, Scores):
                raise AgentError(
                    f"{self.name}: tell needs Observations or an Evaluation, got "
                    f"{type(results).__name__}"
                )
            return Observations.from_evaluation(results)
        return results.completed(self.scenario.budgets)

    # --- the loop ----------------------------------------------------------------------------
    def run(
        self,
        scenario: Problem,
        budget: int,
        seed: int = 0,
        *,
        callback: Callable[[pd.DataFrame], None] | None = None,
        progress: bool = False,
        run_id: str | None = None,
        resume: pd.DataFrame | None = None,
    ) -> History:
        """Search ``scenario`` for ``budget`` evaluations with ``seed``.

        Args:
            callback: called with each new block of log rows (e.g. to append them to disk).
            progress: show a tqdm progress bar.
            run_id: the run's id in the log (default: a fresh one).
            resume: log rows of an earlier, interrupted run with the same settings and seed:
                their designs are replayed into the agent (``ask`` must propose them again,
                which determinism guarantees) without re-evaluating, and the search goes on.

        Returns:
            The run's ``History``.
        """
        if not isinstance(budget, (int, np.integer)) or budget < 1:
            raise AgentError(f"budget must be an integer >= 1, got {budget!r}")
        self.run_budget = int(budget)
        try:
            with torch_threads(self.settings.threads):
                return self._run(scenario, budget, seed, callback, progress, run_id, resume)
        finally:
            self.run_budget = None

    def _run(
        self,
        scenario: Problem,
        budget: int,
        seed: int,
        callback: Callable[[pd.DataFrame], None] | None,
        progress: bool,
        run_id: str | None,
        resume: pd.DataFrame | None,
    ) -> History:
        self.setup(scenario, seed)
        run_id = run_id or uuid.uuid4().hex[:12]
        names = list(self.space.names)
        blocks: list[pd.DataFrame] = []
        done = 0
        step = 0
        replay = resume.reset_index(drop=True) if resume is not None and len(resume) else None
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=budget,
                desc=f"{self.name} on {scenario.id}",
                unit="eval",
            )
        while done < budget:
            n = min(self.settings.batch_size, budget - done)
            t0 = time.perf_counter()
            X = np.asarray(self.ask(n), dtype=np.int64).reshape(-1, len(names))[:n]
            t_ask = time.perf_counter() - t0
            if replay is not None and done < len(replay):
                rows = replay.iloc[done : done + len(X)]
                logged = (
                    self.space.encode_batch(rows[names]) if len(rows) else np.zeros((0, len(names)))
                )
                if len(rows) < len(X) or not np.array_equal(logged, X[: len(rows)]):
                    raise AgentError(
                        "the log to resume from does not match this run's proposals "
                        "(different settings, seed or archgym version?)"
                    )
                frame = rows.reset_index(drop=True)
                obs = self._observations(X, frame)
                self.tell(X, obs)
                blocks.append(frame)
                done += len(X)
                step = int(frame["step"].max()) + 1
                if bar is not None:
                    bar.update(len(X))
                continue
            t1 = time.perf_counter()
            ev = scenario.evaluate(X)
            t_eval = time.perf_counter() - t1
            frame = self._log_rows(ev, X, run_id, step, t_ask, t_eval)
            self.tell(X, self._evaluated(X, ev, frame))
            blocks.append(frame)
            if callback is not None:
                callback(frame)
            done += len(X)
            step += 1
            if bar is not None:
                bar.update(len(X))
        if bar is not None:
            bar.close()
        frame = pd.concat(blocks, ignore_index=True)
        settings = {
            "agent": self.name,
            "settings": dataclasses.asdict(self.settings),
            "scenario": scenario.id,
            "budget": int(budget),
            "seed": int(seed),
            "run_id": run_id,
        }
        return History(frame=frame, settings=settings)

    # --- helpers -------------------------------------------------------------------------------
    def _objective_columns(self) -> list[str]:
        return objective_columns(self.scenario)

    def _observations(self, X: np.ndarray, frame: pd.DataFrame) -> Observations:
        """Observations of logged rows (a resumed run's): read by column name, completed
        with the problem's budgets."""
        slack_columns = [f"slack_{m}" for m in self.scenario.budgets]
        obs = Observations.from_frame(X, frame, self._objective_columns(), slack_columns)
        return obs.completed(self.scenario.budgets)

    def _evaluated(self, X: np.ndarray, ev: Any, frame: pd.DataFrame) -> Observations:
        """Observations of a fresh evaluation: its score arrays (an ``Evaluation``), or its
        logged rows for a problem whose ``evaluate`` returns only a table."""
        if isinstance(ev, Scores):
            return Observations.from_evaluation(ev)
        return self._observations(X, frame)

    def _log_rows(
        self, ev: Any, X: np.ndarray, run_id: str, step: int, t_ask: float, t_eval: float
    ) -> pd.DataFrame:
        frame = ev.to_frame() if hasattr(ev, "to_frame") else pd.DataFrame(ev)
        frame = frame.reset_index(drop=True)
        head = pd.DataFrame(
            {
                "run_id": run_id,
                "agent": self.name,
                "seed": self.seed,
                "step": step,
                "eval": np.arange(len(X)) + (0 if self.obs is None else len(self.obs)),
            }
        )
        names = list(self.space.names)
        if not set(names) <= set(frame.columns):
            frame = pd.concat([self.space.to_frame(X), frame], axis=1)
        frame = pd.concat([head, frame], axis=1)
        frame["ask_s"] = t_ask / len(X)
        frame["eval_s"] = t_eval / len(X)
        return frame

    def describe(self) -> dict[str, Any]:
        return {"agent": self.name, **dataclasses.asdict(self.settings)}
