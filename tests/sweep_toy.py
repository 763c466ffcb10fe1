"""A toy scenario and a toy agent for the experiment tests, independent of the catalog.

Importing this module registers them (it is a plugin: ``archgym --plugin sweep_toy`` or
``archgym.plugins.load_plugins(["sweep_toy"])``): scenarios ``toy`` (factory
:class:`ToyScenario`) and ``toy-tight``, agents ``toy``, ``toy-transfer`` and
``toy-crash``.

The scenario has 120 designs, one knob with tuple choices (to exercise CSV round trips),
an area budget, an optional per-design delay (to kill a run mid-way), an optional crash,
and one or two objectives. The agent is deterministic and stateful: it mutates the best
feasible design it was told, so a resumed run only matches if the replay is exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from archgym.agents import Agent, AgentSettings
from archgym.space import Categorical, DesignSpace, Ordinal, PowerOfTwo

_DEFAULTS = {
    "delay": 0.0,
    "crash": False,
    "multi": False,
    "area_mm2": 6.0,
    "report_threads": False,
}


class ToyScenario:
    """Toy co-design problem: maximise ``-latency_ms`` (and ``accuracy`` if multi)."""

    def __init__(
        self,
        delay: float = 0.0,
        crash: bool = False,
        multi: bool = False,
        area_mm2: float = 6.0,
        report_threads: bool = False,
    ) -> None:
        given = {
            "delay": delay,
            "crash": crash,
            "multi": multi,
            "area_mm2": area_mm2,
            "report_threads": report_threads,
        }
        self.report_threads = bool(report_threads)
        self.overrides = {k: v for k, v in given.items() if v != _DEFAULTS[k]}
        self.id = "toy-mo" if multi else "toy"
        self.delay = float(delay)
        self.crash = bool(crash)
        self.space = DesignSpace(
            [
                PowerOfTwo("rows", 4, 64),
                Categorical("dataflow", ["os", "ws", "is"]),
                Ordinal("sram_kib", [0.5, 1, 2, 4]),
                Categorical("kernel", [(1, 1), (3, 3)]),
            ]
        )
        self.budgets = {"area_mm2": float(area_mm2)}
        self.n_objectives = 2 if multi else 1
        self.num_objectives = self.n_objectives  # archgym.agents.problem.Problem
        self.objective_columns = ["objective_latency_ms", "accuracy"] if multi else ["objective"]
        self.ref_point = np.array([-10.0, 0.0]) if multi else None

    def evaluate(self, X: np.ndarray) -> Any:
        if self.crash:
            raise RuntimeError("toy scenario crashed on purpose")
        X = np.asarray(X, dtype=np.int64).reshape(-1, len(self.space.names))
        if self.delay:
            time.sleep(self.delay * len(X))
        f = self.space.to_frame(X)
        rows = f["rows"].to_numpy(float)
        sram = f["sram_kib"].to_numpy(float)
        df_pen = np.array([1.0, 0.8, 1.2])[X[:, 1]]
        k = 1.0 + X[:, 3]
        latency = 64.0 / rows * df_pen * k / np.sqrt(sram) + 0.01 * X.sum(axis=1)
        area = 0.08 * rows + 0.5 * sram + 0.2 * X[:, 3]
        energy = latency * (0.5 + 0.1 * sram)
        acc = 60.0 + 5.0 * X[:, 3] + 2.0 * np.log2(sram + 1) - 0.3 * X[:, 1]
        out = pd.DataFrame(
            {
                "latency_ms": latency,
                "energy_mj": energy,
                "area_mm2": area,
                "accuracy": acc,
            }
        )
        if self.report_threads:  # the BLAS / OpenMP threads of the process evaluating
            from threadpoolctl import threadpool_info

            out["blas_threads"] = max((p["num_threads"] for p in threadpool_info()), default=0)
        if self.n_objectives > 1:
            out["objective_latency_ms"] = -latency
        out["objective"] = -latency
        out["slack_area_mm2"] = self.budgets["area_mm2"] - area
        out["feasible"] = out["slack_area_mm2"] >= 0
        return SimpleNamespace(to_frame=lambda: out)

    def enumerate(self) -> Any:
        X = self.space.unravel(np.arange(self.space.size))
        f = self.evaluate(X).to_frame()
        obj = np.where(f["feasible"], f["objective"], -np.inf)
        i = int(np.argmax(obj))
        return SimpleNamespace(best_value=float(obj[i]), best_design=self.space.decode(X[i]))


@dataclass
class ToySettings(AgentSettings):
    batch_size: int = 2
    explore: float = 0.3
    """Probability of a uniform draw instead of a mutation of the best design."""


class ToyAgent(Agent):
    """Deterministic local search: mutate one knob of the best feasible design told so far."""

    name = "toy"
    Settings = ToySettings

    def ask(self, n: int | None = None) -> np.ndarray:
        n = n or self.settings.batch_size
        obs = self.obs
        out = []
        for _ in range(n):
            if obs is None or not obs.feasible.any() or self.rng.random() < self.settings.explore:
                out.append(self.space.sample(1, seed=self.rng)[0])
                continue
            obj = np.where(obs.feasible, obs.objective, -np.inf)
            x = obs.X[int(np.argmax(obj))].copy()
            j = int(self.rng.integers(len(x)))
            x[j] = int(self.rng.integers(self.space.sizes[j]))
            out.append(x)
        return np.asarray(out, dtype=np.int64)


class CrashAgent(ToyAgent):
    """An agent that always fails when built (for crash isolation)."""

    name = "toy-crash"

    def __init__(self, **settings: Any) -> None:
        raise RuntimeError("this cell crashes on purpose")


def toy_tight(**overrides: Any) -> ToyScenario:
    """The toy scenario with a tighter area budget (a transfer target)."""
    return ToyScenario(**{"area_mm2": 4.0, **overrides})


@dataclass
class ToyTransferSettings(ToySettings):
    transfer_from: Any = None
    """A source run's History: its best feasible designs are proposed first."""
    transfer_method: str = "warmstart"


class ToyTransferAgent(ToyAgent):
    """ToyAgent that first proposes the best designs of a source run (a stand-in for BO's
    ``transfer_from`` / ``transfer_method`` settings)."""

    name = "toy-transfer"
    Settings = ToyTransferSettings

    def _setup(self) -> None:
        self._queue: list[np.ndarray] = []
        src = self.settings.transfer_from
        if src is not None:
            frame = src.frame if hasattr(src, "frame") else src
            feas = frame[frame["feasible"]].sort_values("objective", ascending=False)
            self._queue = list(self.space.encode_batch(feas[self.space.names].head(4)))

    def ask(self, n: int | None = None) -> np.ndarray:
        n = n or self.settings.batch_size
        head = [self._queue.pop(0) for _ in range(min(n, len(self._queue)))]
        rest = (
            super().ask(n - len(head))
            if n > len(head)
            else np.zeros((0, len(self.space.names)), np.int64)
        )
        return np.vstack([np.asarray(head, np.int64).reshape(-1, len(self.space.names)), rest])


def register_all() -> None:
    """Register the toy scenarios and agents (done on import)."""
    from archgym import agents, scenarios

    scenarios.register(ToyScenario, id="toy", overwrite=True)
    scenarios.register(toy_tight, id="toy-tight", overwrite=True)
    agents.register("toy", ToyAgent, overwrite=True)
    agents.register("toy-transfer", ToyTransferAgent, overwrite=True)
    agents.register("toy-crash", CrashAgent, overwrite=True)


register_all()
