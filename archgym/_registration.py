"""The Gymnasium ids archgym registers, and the registration itself.

One table, :data:`ENTRY_POINTS`, maps each id to its entry point *string* (the env classes
import only when ``gymnasium.make`` builds one). ``import archgym`` calls
:func:`register_when_gymnasium_loads`: if Gymnasium is already imported the ids are
registered at once; otherwise a one-shot import hook registers them the moment Gymnasium's
registry module loads, so ``import archgym`` does not pay for importing Gymnasium (about as
long as importing numpy) and ``import archgym; import gymnasium; gymnasium.make(...)``
still finds the ids. ``import archgym.envs`` registers them directly.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

__all__ = ["ENV_IDS", "ENTRY_POINTS", "register_envs", "register_when_gymnasium_loads"]

_SEQ = "archgym.envs.sequential_env:SequentialDesignEnv"

#: Environment id -> (entry point ``"module:Class"``, default constructor kwargs).
ENTRY_POINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "archgym/DesignEnv-v0": ("archgym.envs.design_env:DesignEnv", {}),
    # v0: boolean info["action_mask"] (kept for old code); v1: int8, as Gymnasium samples
    "archgym/SequentialDesignEnv-v0": (_SEQ, {"mask_dtype": "bool"}),
    "archgym/SequentialDesignEnv-v1": (_SEQ, {}),
}

#: The registered environment ids.
ENV_IDS: tuple[str, ...] = tuple(ENTRY_POINTS)

_REGISTRY_MODULE = "gymnasium.envs.registration"


def _register_into(registration: ModuleType) -> None:
    for env_id, (entry, kwargs) in ENTRY_POINTS.items():
        if env_id not in registration.registry:
            registration.register(id=env_id, entry_point=entry, kwargs=dict(kwargs))


def register_envs() -> None:
    """Register every id of :data:`ENTRY_POINTS` with Gymnasium (imports Gymnasium)."""
    import gymnasium.envs.registration as registration

    _register_into(registration)


class _RegisteringLoader:
    """Runs Gymnasium's own loader for its registry module, then registers the ids.

    (The import protocols are duck-typed; ``importlib.abc`` would import
    ``importlib.resources`` and ``tempfile`` for nothing.)
    """

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _register_into(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... of the real one
        return getattr(self._loader, name)


class _RegisterOnImport:
    """A one-shot finder: wraps the loader of ``gymnasium.envs.registration``, then leaves."""

    def find_spec(self, fullname: str, path: Any = None, target: ModuleType | None = None) -> Any:
        if fullname != _REGISTRY_MODULE:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _RegisteringLoader(spec.loader)
                return spec
        return None


def register_when_gymnasium_loads() -> None:
    """Register the ids now if Gymnasium is loaded, else as soon as it loads."""
    if _REGISTRY_MODULE in sys.modules:
        _register_into(sys.modules[_REGISTRY_MODULE])
    elif not any(isinstance(f, _RegisterOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterOnImport())
