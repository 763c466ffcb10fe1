"""Constrained Bayesian optimisation over discrete design spaces, in the style of Apollo.

``archgym.agents.make("bo")`` builds a :class:`BOAgent`: Gaussian-process surrogates of
the objective(s) and of every budget's slack, a constrained noisy expected-improvement
acquisition (hypervolume improvement with several objectives), optimised over the
*discrete* space, and transfer across budgets and workloads (Yazdanbakhsh et al., 2021,
"Apollo: Transferable Architecture Exploration").

How it works, one proposal at a time:

1. **Initial design.** ``n_init`` designs: with transfer, the source run's best designs
   first; then, with ``init_center``, the centre of the space (as Ax starts: the middle choice
   of every ordered knob, a seeded random choice of each categorical one, or the design
   nearest to it that the known-cheap constraints admit); then a seeded scrambled Sobol
   sample (designs a known-cheap constraint rules out are skipped).
2. **Surrogates.** Inputs are the choice indices scaled to ``[0, 1]``
   (``DesignSpace.normalize``). Ordered knobs are continuous dimensions with an RBF kernel;
   categorical knobs go through BoTorch's categorical kernel, combined as in
   ``MixedSingleTaskGP`` (a sum and a product of the two). One GP models each objective
   (fitted on the designs whose objectives are finite) and one each budget's slack
   (fitted on every design, feasible or not). Outcomes are standardised; objectives that
   keep one sign and span a decade are modelled on a log scale (``objective_transform``)
   and slacks as ``bilog(relative_slack)`` (the evaluation's ``slack / |budget|``;
   ``slack_transform``): monotone maps that keep
   the optimum and the sign of every slack. A design whose metrics are not finite (the
   accelerator rejected it) gets a slack below every observed one. If some designs are
   infeasible for a reason no slack explains, one more GP models a +1/-1 "valid" label as
   a further constraint.
3. **Acquisition.** With one objective: ``qLogNoisyExpectedImprovement`` with the slack
   GPs as constraints; with several: ``qLogNoisyExpectedHypervolumeImprovement`` with the
   scenario's reference point and the same constraints. Until a feasible design is known
   it maximises the probability of feasibility (the product of ``P(slack >= 0)``) instead.
   Batches (``batch_size > 1``) are built by sequential greedy selection: each further
   design is chosen with the earlier ones pending (kriging-believer fantasies in the
   feasibility phase).
4. **Discrete optimisation.** No continuous optimum is rounded. Spaces of at most
   ``exhaustive_threshold`` designs are screened exhaustively: every unobserved design is
   scored with an analytic proxy of the acquisition (log expected improvement, or
   log optimistic hypervolume improvement, plus log probability of feasibility); larger
   spaces are searched with a seeded random pool plus the neighbours of the best observed
   designs, then a best-first local search over ``DesignSpace.neighbors``. The best
   ``shortlist`` candidates are then scored with the Monte-Carlo acquisition, and the
   best is proposed. A design already observed or proposed is never proposed again.
5. **Known-cheap constraints** (``filter_known_constraints``). If the scenario can tell a
   budget's value before evaluating (area is analytic in archgym), candidates that break
   it are never proposed; nor are designs the accelerator is known to reject.
   ``describe()["filtered_constraints"]`` lists what is filtered. A scenario exposes
   this with ``known_metrics(X) -> {metric: values, "accepted": bool array}``
   (:class:`~archgym.agents.problem.KnowsMetrics`; archgym's scenarios give analytic
   ``area_mm2`` and the accelerator's acceptance checks).

Transfer (``BOAgent(transfer_from=history_or_frame, transfer_method=...)``): the source
run's log must have a column per target knob and the target's objective column(s).
Slacks are recomputed against the target's budgets from the logged metrics (see
:mod:`archgym.agents.transfer_data`). ``"warmstart"`` evaluates the source's best designs
(feasible under the target budgets, among the source's better half) first;
``"multitask"`` does that too and fits every surrogate as a ``MultiTaskGP`` over source
and target data (task feature: source 0, target 1; the inter-task correlation is learnt;
BoTorch's default data kernel, as the mixed kernel is ~8x dearer to fit inside it);
``None`` ignores the source.

Cost control (measured with ``benchmarks/bench_agents.py``; about 0.4 s of CPU per
proposal at 100 observations on one core for a hardware-only scenario, 0.7 s for
co-design): hyperparameters are re-optimised only once the data has grown by
``refit_growth`` (and by at least ``refit_every`` observations) since the last fit, for
at most ``refit_maxiter`` L-BFGS iterations starting from the last values
(``fit_maxiter`` for an outcome's first fit); between fits the GPs are rebuilt on all
the data with the last hyperparameters (an exact posterior, no optimisation). At most
``max_train`` target and ``max_source`` source observations are used; candidates are
screened with marginal posteriors computed from cross-covariances only, and the
Monte-Carlo acquisition scores only the shortlist. The agent runs torch on
``threads`` threads (default 1) and restores the caller's setting. Everything is
seeded: same scenario, settings and seed, same proposals whatever the machine's thread
count (``torch``'s global RNG is forked, not disturbed).

Example:
    >>> from archgym.agents import make
    >>> agent = make("bo", n_init=8, batch_size=1)
    >>> history = agent.run(scenario, budget=40, seed=0)  # doctest: +SKIP

Modules, by concept: :mod:`.models` (kernel, GP building and fitting, fast marginals),
:mod:`.acquisition` (sign conversion to BoTorch constraints, screen, Monte-Carlo
acquisition, greedy batches), :mod:`.discrete` (design sets, pool + local search),
:mod:`.settings` (``BOSettings``), :mod:`.training_data` (the outcomes the surrogates are
fitted to, derived from the evaluations' arrays) and :mod:`.agent` (``BOAgent``: setup,
initial design, ask/tell and the proposal loop).
"""

from __future__ import annotations

from .acquisition import slack_constraint, slack_to_botorch
from .agent import BOAgent
from .models import _Predictor, mixed_kernel
from .settings import TRANSFER_METHODS, BOSettings

__all__ = [
    "BOAgent",
    "BOSettings",
    "TRANSFER_METHODS",
    "slack_constraint",
    "slack_to_botorch",
    "mixed_kernel",
    "_Predictor",
]
