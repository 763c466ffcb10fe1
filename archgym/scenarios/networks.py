"""Neural-architecture halves of co-design scenarios: knobs, lowering and accuracy.

A :class:`NetworkSpace` owns the network knobs of a scenario. For a batch of network
designs (a ``batch x n_network_knobs`` index array) it returns the rows of a
:class:`~archgym.costmodel.WorkloadTable` the cost model evaluates and the accuracies
from an accuracy oracle.

* :class:`NB201Network` — the six NAS-Bench-201 cell edges (``edge_0_1`` ... ``edge_2_3``,
  each a categorical knob over :data:`~archgym.workloads.nb201.NB201_OPS`), optionally
  restricted to some ops per edge. The cells of the space are lowered ONCE into one
  ``WorkloadTable`` (isomorphic cells compute the same function and share one row), kept
  in memory per dataset and cached on disk, so a batch of designs is one
  ``simulate_batch(..., workload_index=...)`` call. Accuracy: the tabular
  :class:`~archgym.oracles.NB201Accuracy` (real NAS-Bench-201 training results).
* :class:`MobileNetNetwork` — the Edge-TPU MobileNet-like space
  (:mod:`archgym.workloads.mobilenet_space`, 43 knobs). Each distinct choice is lowered
  once (memoised by its choice tuple); accuracy comes from a chosen oracle
  (``"surrogate"``: :class:`~archgym.oracles.surrogate.SurrogateAccuracy` fitted to the
  shipped trained results; ``"trained"``: :class:`~archgym.oracles.trained.TrainedAccuracy`,
  which trains every new candidate for real on the CPU).
* :class:`AccelNASBenchNetwork` — the Accel-NASBench ImageNet space
  (:mod:`archgym.workloads.accel_nasbench`: EfficientNet-B0's skeleton, 28 knobs named as
  the benchmark's data columns). Each distinct architecture is lowered once (memoised);
  accuracy: :class:`~archgym.oracles.AccelNASBenchAccuracy`, a tree ensemble fitted to the
  benchmark's 4,368 real ImageNet results, with its cross-validated error reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archgym.space import SpaceError

from .accel_nasbench_network import AccelNASBenchNetwork
from .mobilenet_network import MobileNetNetwork
from .nb201_network import (
    NB201_ACCURACY_DATASETS,
    NB201_EDGE_KNOBS,
    NB201Network,
    nb201_table,
    take_rows,
)
from .network_space import NetworkSpace

__all__ = [
    "NetworkSpace",
    "NB201Network",
    "MobileNetNetwork",
    "AccelNASBenchNetwork",
    "network_from_spec",
    "NB201_EDGE_KNOBS",
    "NB201_ACCURACY_DATASETS",
    "nb201_table",
    "take_rows",
]


def network_from_spec(spec: Any, batch: int = 1) -> NetworkSpace | None:
    """A :class:`NetworkSpace` from ``None``, a kind name, a document or an instance.

    Args:
        spec: the network part of a scenario.
        batch: the scenario's batch; a document that sets its own ``batch`` must agree
            unless the scenario's is 1 (the default).

    Raises:
        SpaceError: an unknown kind or option, or conflicting batches.
    """
    if spec is None:
        return None
    if isinstance(spec, NetworkSpace):
        nb = getattr(spec, "batch", 1)
        if batch != 1 and nb != batch:
            raise SpaceError(
                f"the network space runs batch {nb} but the scenario asks for batch {batch}"
            )
        return spec
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, Mapping):
        raise SpaceError(
            "network must be 'nb201', 'mobilenet', 'accel_nasbench', a mapping or a NetworkSpace, "
            f"got {type(spec).__name__}"
        )
    spec = dict(spec)
    if batch != 1:
        if spec.get("batch", batch) != batch:
            raise SpaceError(
                f"network batch {spec['batch']!r} conflicts with the scenario's batch {batch}"
            )
        spec["batch"] = batch
    kind = spec.pop("kind", None)
    allowed = {
        "nb201": {"dataset", "restrict", "batch"},
        "mobilenet": {"oracle", "oracle_options", "restrict", "num_classes", "batch"},
        "accel_nasbench": {"oracle", "restrict", "batch", "input_size"},
    }
    if kind not in allowed:
        raise SpaceError(f"unknown network kind {kind!r}; choose one of {sorted(allowed)}")
    unknown = sorted(set(spec) - allowed[kind])
    if unknown:
        raise SpaceError(
            f"network {kind!r}: unknown option(s) {unknown}; allowed: {sorted(allowed[kind])}"
        )
    if kind == "nb201":
        return NB201Network(**spec)
    if kind == "accel_nasbench":
        return AccelNASBenchNetwork(**spec)
    return MobileNetNetwork(**spec)
