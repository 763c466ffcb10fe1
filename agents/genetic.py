"""Genetic algorithm (pymoo) behind archgym's ask/tell interface.

One objective: pymoo's mixed-variable GA (``MixedVariableGA``) with binary-tournament
selection on (constraint violation, fitness). Several objectives: NSGA-II with the same
mixed-variable operators. archgym keeps evaluation and logging: pymoo runs in its
ask/tell mode, the agent hands out a generation ``n`` designs at a time and tells pymoo
once every design of the generation has come back.

Why the mixed-variable operators rather than a GA over one integer vector: the space has
*categorical* knobs (dataflow, block type) next to ordered ones (rows, memory sizes).
SBX and polynomial mutation treat an index as a position on a line, which is right for
ordered knobs (rows 16 is between 8 and 32) and wrong for categorical ones (dataflow
"ws" is not between "os" and "is"). ``space.to_pymoo_vars()`` declares ordered knobs as
pymoo ``Integer`` and categorical knobs as ``Choice``, and pymoo's mixed-variable mating
applies to each kind its own operators:

* ordered knobs: SBX crossover and polynomial mutation on the index, rounded back to an
  integer (``vtype=float`` + ``RoundingRepair``), with a small distribution index
  (``eta = 3`` by default, as in pymoo's integer-variable example) so that children move
  by more than rounding would undo on knobs with few choices;
* categorical knobs: uniform crossover and random-choice mutation.

Signs: pymoo minimises ``F`` subject to ``G <= 0``; archgym maximises its objectives and a
design is feasible iff every slack (budget - value) is ``>= 0``. :func:`to_pymoo` is the
one place where the signs change: ``F = -objectives``, ``G = -relative_slack`` (the
evaluation's ``slack / |budget|``: the division keeps the sign and makes violations of
budgets in different units comparable when pymoo sums them).

Example:
    >>> from archgym.agents import make
    >>> agent = make("ga", pop_size=32)
    >>> history = agent.run(scenario, budget=320, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .base import Agent, AgentError, AgentSettings, Observations
from .problem import Problem, Scores

__all__ = ["GeneticAgent", "GeneticSettings", "to_pymoo", "NAN_PENALTY"]

NAN_PENALTY = 1e30
"""What a NaN or an infinity becomes in pymoo's ``F`` (worst objective) or ``G`` (violated
constraint): a design that could not be evaluated (a rejected design has infinite latency)
ranks below every evaluated one, without the ``inf - inf`` that would break NSGA-II's
crowding distance. Finite values are clipped to ``[-NAN_PENALTY, NAN_PENALTY]``."""


def to_pymoo(
    objectives: np.ndarray, slack: np.ndarray, scale: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """archgym's (maximised objectives, slacks) as pymoo's (minimised ``F``, ``G <= 0``).

    This is the one place where the agent changes signs.

    Args:
        objectives: ``n x k`` float array, all maximised (NaN: could not be evaluated).
        slack: ``n x m`` float array of ``budget - value`` (``>= 0`` feasible); ``m`` may be 0.
        scale: optional ``m`` positive divisors of the slacks (the budgets), so that
            budgets in different units weigh alike in pymoo's summed constraint violation.

    Returns:
        ``(F, G)``: ``F = -objectives`` (``n x k``) and ``G = -slack / scale`` (``n x m``;
        ``G = -slack`` without ``scale``), so a design is feasible for pymoo (every
        ``G <= 0``) exactly when it is for archgym (every slack ``>= 0``). NaN and
        ``-inf`` objectives become ``F = NAN_PENALTY``; NaN and ``-inf`` slacks become
        ``G = NAN_PENALTY``.
    """
    obj = np.asarray(objectives, dtype=np.float64)
    sl = np.asarray(slack, dtype=np.float64)
    F = -obj.reshape(len(obj), -1)
    G = -sl.reshape(len(sl), -1)
    if scale is not None:
        sc = np.asarray(scale, dtype=np.float64).reshape(-1)
        if sc.shape != (G.shape[1],) or not (sc > 0).all():
            raise AgentError(
                f"to_pymoo: scale must be {G.shape[1]} positive numbers, got {sc.tolist()}"
            )
        G = G / sc
    for A in (F, G):
        A[np.isnan(A)] = NAN_PENALTY
        np.clip(A, -NAN_PENALTY, NAN_PENALTY, out=A)
    return F, G


@dataclass
class GeneticSettings(AgentSettings):
    """Settings of :class:`GeneticAgent`."""

    batch_size: int | None = None  # type: ignore[assignment]
    """Designs proposed per ask; None (default) means one generation (pop_size, at most
    the size of the space). Any value works: a generation is handed out in pieces, and
    if more designs are asked before the generation is told back it is topped up with
    more children of the same parents."""

    pop_size: int = 20
    """Population size: designs per generation (NSGA-II: size of the kept front)."""

    crossover_prob: float = 0.9
    """Probability that a pair of parents is recombined (otherwise copied)."""

    eta_crossover: float = 3.0
    """SBX distribution index for ordered knobs: small values give children far from
    their parents, large values children close to them."""

    mutation_prob: float | None = None
    """Probability that each knob of a child is mutated; None means 1 / number of knobs."""

    eta_mutation: float = 3.0
    """Polynomial-mutation distribution index for ordered knobs (small: large steps)."""

    eliminate_duplicates: bool = True
    """Drop children equal to a member of the population or to another child (pymoo's
    duplicate elimination), so no generation evaluates the same design twice."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it.
        """
        if self.batch_size is not None:
            super().validate()
        if (
            not isinstance(self.pop_size, int)
            or isinstance(self.pop_size, bool)
            or self.pop_size < 2
        ):
            raise AgentError(f"ga: pop_size must be an integer >= 2, got {self.pop_size!r}")
        for name in ("crossover_prob", "mutation_prob"):
            v = getattr(self, name)
            if v is None and name == "mutation_prob":
                continue
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0.0 <= v <= 1.0:
                raise AgentError(f"ga: {name} must be a number in [0, 1], got {v!r}")
        for name in ("eta_crossover", "eta_mutation"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or isinstance(v, bool) or not v > 0:
                raise AgentError(f"ga: {name} must be a positive number, got {v!r}")
        if not isinstance(self.eliminate_duplicates, bool | np.bool_):
            raise AgentError(
                f"ga: eliminate_duplicates must be True or False, got {self.eliminate_duplicates!r}"
            )


class GeneticAgent(Agent):
    """pymoo's mixed-variable GA (one objective) or NSGA-II (several), ask/tell style.

    The agent buffers the generation pymoo asks for and hands it out ``n`` designs at a
    time. ``tell`` matches the designs it gets to the ones handed out (in any order) and,
    when every design of the generation has a result, tells pymoo, which then selects
    survivors and breeds the next generation. Infeasible designs are told with their
    constraint violation (pymoo compares designs feasibility first, then by violation,
    then by objective). Seeded through pymoo's ``seed``: same seed, same designs.

    Duplicate elimination (pymoo's) compares children with the current population and
    generation only: a design evaluated in an earlier generation and dropped since can
    come back, and is then evaluated again. If pymoo cannot breed enough distinct
    children (a population covering most of a tiny space), the generation is filled with
    uniform random designs.
    """

    name: ClassVar[str] = "ga"
    Settings: ClassVar[type[AgentSettings]] = GeneticSettings
    supports_multi_objective: ClassVar[bool] = True

    settings: GeneticSettings

    def __init__(self, settings: AgentSettings | None = None, **overrides: Any):
        super().__init__(settings, **overrides)
        self._auto_batch = self.settings.batch_size is None
        self.algorithm: Any = None
        self.problem: Any = None

    # --- binding -------------------------------------------------------------------------
    def setup(self, scenario: Problem, seed: int = 0) -> GeneticAgent:
        """Bind to ``scenario`` and seed pymoo (see :meth:`Agent.setup`).

        A ``batch_size`` of None becomes ``min(pop_size, number of designs)`` here.
        """
        if self._auto_batch:
            size = int(scenario.space.size)
            self.settings = dataclasses.replace(
                self.settings, batch_size=min(self.settings.pop_size, size)
            )
        super().setup(scenario, seed)
        return self

    def _setup(self) -> None:
        from pymoo.core.problem import Problem
        from pymoo.core.termination import NoTermination

        assert self.obs is not None
        n_obj = int(self.obs.objectives.shape[1])
        n_constr = int(self.obs.slack.shape[1])
        self.problem = Problem(vars=self.space.to_pymoo_vars(), n_obj=n_obj, n_ieq_constr=n_constr)
        self.algorithm = self._make_algorithm(n_obj)
        self.algorithm.setup(
            self.problem, seed=self.seed, termination=NoTermination(), verbose=False
        )
        self._gen: Any = None  # the pymoo Population being evaluated
        self._gen_X = np.zeros((0, self.space.n_knobs), dtype=np.int64)
        self._handed = 0  # how many of the generation were handed out
        self._F: np.ndarray = np.zeros((0, n_obj))
        self._G: np.ndarray = np.zeros((0, n_constr))
        self._told = np.zeros(0, dtype=bool)
        self.generation = 0  # number of generations told to pymoo

    def _make_algorithm(self, n_obj: int) -> Any:
        from pymoo.core.duplicate import NoDuplicateElimination
        from pymoo.core.mixed import (
            MixedVariableDuplicateElimination,
            MixedVariableGA,
            MixedVariableMating,
            MixedVariableSampling,
        )
        from pymoo.core.variable import Choice, Integer
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.crossover.ux import UX
        from pymoo.operators.mutation.pm import PM
        from pymoo.operators.mutation.rm import ChoiceRandomMutation
        from pymoo.operators.repair.rounding import RoundingRepair
        from pymoo.operators.selection.tournament import TournamentSelection

        s = self.settings
        p_var = s.mutation_prob if s.mutation_prob is not None else 1.0 / max(1, self.space.n_knobs)
        crossover = {
            Integer: SBX(
                prob=s.crossover_prob, eta=s.eta_crossover, vtype=float, repair=RoundingRepair()
            ),
            Choice: UX(prob=s.crossover_prob),
        }
        mutation = {
            Integer: PM(
                prob=1.0, prob_var=p_var, eta=s.eta_mutation, vtype=float, repair=RoundingRepair()
            ),
            Choice: ChoiceRandomMutation(prob=1.0, prob_var=p_var),
        }

        def dedup() -> Any:
            return (
                MixedVariableDuplicateElimination()
                if s.eliminate_duplicates
                else NoDuplicateElimination()
            )

        if n_obj == 1:
            from pymoo.algorithms.soo.nonconvex.ga import comp_by_cv_and_fitness

            selection = TournamentSelection(func_comp=comp_by_cv_and_fitness)
        else:
            from pymoo.algorithms.moo.nsga2 import binary_tournament

            selection = TournamentSelection(func_comp=binary_tournament)
        mating = MixedVariableMating(
            selection=selection,
            crossover=crossover,
            mutation=mutation,
            eliminate_duplicates=dedup(),
        )
        if n_obj == 1:
            return MixedVariableGA(
                pop_size=s.pop_size,
                sampling=MixedVariableSampling(),
                mating=mating,
                eliminate_duplicates=dedup(),
            )
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(
            pop_size=s.pop_size,
            sampling=MixedVariableSampling(),
            mating=mating,
            eliminate_duplicates=dedup(),
        )

    # --- the interface -------------------------------------------------------------------
    def ask(self, n: int | None = None) -> np.ndarray:
        """Propose ``n`` designs (default ``settings.batch_size``) from the current generation. See :meth:`Agent.ask
        <archgym.agents.base.Agent.ask>`."""
        n = self._ask_size(n)
        if self._gen is None:
            self._new_generation()
        short = self._handed + n - len(self._gen_X)
        if short > 0:
            self._top_up(short)
        out = self._gen_X[self._handed : self._handed + n]
        self._handed += n
        return np.array(out, dtype=np.int64)

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """Record results; tell pymoo when the whole generation has come back.

        Args:
            X: ``n x n_knobs`` designs, each one handed out by :meth:`ask` and not told yet
                (in any order).
            results: Their observations (infeasible ones included).

        Raises:
            AgentError: a design was not handed out by ``ask`` (or was told already), or
                the results do not match the scenario's objectives and budgets.
        """
        X, results = self._record(X, results)
        assert results.relative_slack is not None  # completed above
        F, G = to_pymoo(results.objectives, results.relative_slack)
        if F.shape[1] != self._F.shape[1] or G.shape[1] != self._G.shape[1]:
            raise AgentError(
                f"ga: results have {F.shape[1]} objective(s) and {G.shape[1]} slack(s); the "
                f"scenario declared {self._F.shape[1]} and {self._G.shape[1]}"
            )
        if self._gen is None and len(X):
            raise AgentError("ga: tell got designs that ask did not hand out")
        for i, row in enumerate(X):
            j = self._find_pending(row)
            self._F[j], self._G[j], self._told[j] = F[i], G[i], True
        if self._gen is not None and self._handed == len(self._gen_X) and self._told.all():
            self._advance()

    # --- generations ---------------------------------------------------------------------
    def _new_generation(self) -> None:
        """Ask pymoo for the next generation (the initial population first)."""
        from pymoo.core.population import Population

        alg = self.algorithm
        pop = alg.ask()
        alg.termination.force_termination = False  # an empty mating must not end the run
        self._set_generation(pop if pop is not None else Population.empty())

    def _top_up(self, k: int) -> None:
        """Add ``k`` designs to the generation: more initial samples or children of the
        same parents, and uniform random designs if pymoo cannot find ``k`` new ones."""
        from pymoo.core.population import Population

        alg, problem = self.algorithm, self.problem
        if alg.is_initialized:
            extra = alg.mating.do(problem, alg.pop, k, algorithm=alg, random_state=alg.random_state)
        else:
            extra = alg.initialization.do(problem, k, algorithm=alg, random_state=alg.random_state)
        if len(self._gen) and len(extra):
            extra = alg.eliminate_duplicates.do(extra, self._gen)
        extra = extra[:k]
        if len(extra) < k:
            rand = self.space.sample(k - len(extra), self.rng)
            extra = Population.merge(extra, Population.new(X=self.space.to_pymoo(rand)))
        extra.set("n_gen", alg.n_iter, "n_iter", alg.n_iter)
        self._set_generation(Population.merge(self._gen, extra))

    def _set_generation(self, pop: Any) -> None:
        n_new = len(pop) - (0 if self._gen is None else len(self._gen))
        X = self.space.from_pymoo(pop.get("X")) if len(pop) else self._gen_X[:0]
        self._gen = pop
        self._gen_X = X.reshape(len(pop), self.space.n_knobs)
        if n_new < len(pop):  # topped up: keep the results already told
            pad = len(pop) - len(self._told)
            self._F = np.vstack([self._F, np.zeros((pad, self._F.shape[1]))])
            self._G = np.vstack([self._G, np.zeros((pad, self._G.shape[1]))])
            self._told = np.concatenate([self._told, np.zeros(pad, dtype=bool)])
        else:
            self._handed = 0
            self._F = np.zeros((len(pop), self._F.shape[1]))
            self._G = np.zeros((len(pop), self._G.shape[1]))
            self._told = np.zeros(len(pop), dtype=bool)

    def _find_pending(self, row: np.ndarray) -> int:
        """The first handed-out, not yet told member of the generation equal to ``row``."""
        hits = np.flatnonzero(
            (self._gen_X[: self._handed] == row).all(axis=1) & ~self._told[: self._handed]
        )
        if not len(hits):
            raise AgentError(
                f"ga: tell got design {row.tolist()}, which ask did not hand out (or which was "
                "told already); tell exactly the designs ask returned"
            )
        return int(hits[0])

    def _advance(self) -> None:
        """Give pymoo the evaluated generation; it selects survivors for the next one."""
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        kwargs: dict[str, np.ndarray] = {"F": self._F}
        if self._G.shape[1]:
            kwargs["G"] = self._G
        Evaluator().eval(StaticProblem(self.problem, **kwargs), self._gen)
        self.algorithm.tell(infills=self._gen)
        self.algorithm.termination.force_termination = False
        self.generation += 1
        self._gen = None
        self._handed = 0
