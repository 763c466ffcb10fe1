"""Workloads: the layer IR, the model zoo, importers and neural search spaces.

Installed as ``archgym.workloads``; always import it by that name.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import layers
from .accel_nasbench import (
    ACCEL_NASBENCH_KNOBS,
    accel_nasbench,
    accel_nasbench_design_space,
    load_accel_nasbench,
)
from .layers import *  # noqa: F403 - the layer IR (its __all__), re-exported
from .workload import KIND_CODES, LoweredWorkload, Workload

__all__ = [
    "KIND_CODES",
    "LoweredWorkload",
    "Workload",
    "ACCEL_NASBENCH_KNOBS",
    "accel_nasbench",
    "accel_nasbench_design_space",
    "load_accel_nasbench",
]
__all__ += layers.__all__

# Imported on first use: the zoo, the importers (the torch importer needs torch), the
# NAS-Bench-201 and MobileNet spaces. Name -> entry point ``"module:attribute"``
# (``"module"`` alone: the module itself), as in ENTRY_POINTS of archgym/_registration.py.
_LAZY_PUBLIC: dict[str, str] = {
    "load": ".zoo:load",
    "list_zoo": ".zoo:list_zoo",
    "from_torch": ".torch_import:from_torch",
    "from_file": ".file_import:from_file",
    "nb201_workload": ".nb201:nb201",
    "load_hwnasbench": ".nb201:load_hwnasbench",
    "MOBILENET_SPACE_KNOBS": ".mobilenet_space:MOBILENET_SPACE_KNOBS",
    "mobilenet_design_space": ".mobilenet_space:mobilenet_design_space",
    "mobilenet_workload": ".mobilenet_space:mobilenet_workload",
}
__all__ += list(_LAZY_PUBLIC)
# ... and, left out of ``import *``, two more names and these submodules as attributes
# (the README's ``nb201``: ``archgym.workloads.nb201.parse_arch``, ...).
_LAZY: dict[str, str] = {
    **_LAZY_PUBLIC,
    "ZOO": ".zoo:ZOO",
    "UnsupportedOpError": ".torch_program:UnsupportedOpError",
    **{
        module: f".{module}"
        for module in (
            "nb201",
            "zoo",
            "importers",
            "torch_import",
            "file_import",
            "mobilenet_space",
        )
    },
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    loaded = importlib.import_module(module, __name__)
    return getattr(loaded, attribute) if attribute else loaded
