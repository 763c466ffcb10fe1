"""User code that adds scenarios, agents or accuracy oracles: loaded only on request.

archgym never imports code named inside a data file. A run folder's ``settings.json``, a
sweep YAML or a scenario YAML names scenarios, agents and oracles; those names are looked
up in registries (the scenario catalog, :data:`archgym.agents.REGISTRY`, the oracle
registry of :mod:`archgym.scenarios.networks`) and nothing else. A name such as
``"os:system"`` is an unknown name, reported as such; it is never imported.

Your own code enters in one of two explicit ways:

* from your own Python: ``archgym.scenarios.register(...)``, ``archgym.agents.register(...)``,
  ``archgym.oracles.register(...)`` before you run, sweep or compare;
* on the command line: ``archgym --plugin mypackage.mymodule run ...`` imports
  ``mypackage.mymodule`` (which calls those ``register`` functions) before the command.

A sweep passes the plugins loaded with :func:`load_plugins` (or ``--plugin``) on to its
worker processes, so cells see the same registrations.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable

__all__ = ["load_plugins", "loaded_plugins", "PluginError", "check_not_import_path"]

_MODULE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_LOADED: list[str] = []


class PluginError(ImportError):
    """A plugin module could not be imported."""


def load_plugins(modules: Iterable[str]) -> list[str]:
    """Import each module (a dotted module name the user gave, e.g. with ``--plugin``).

    Args:
        modules: Module names such as ``"mylab.archgym_plugins"``.

    Returns:
        Every plugin loaded so far in this process, in order.

    Raises:
        PluginError: a malformed name or a module that fails to import.
    """
    for name in modules:
        name = str(name).strip()
        if not _MODULE.match(name):
            raise PluginError(
                f"--plugin expects a module name like 'mypackage.plugin', got {name!r}"
            )
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise PluginError(f"plugin {name!r} could not be imported: {exc}") from exc
        if name not in _LOADED:
            _LOADED.append(name)
    return list(_LOADED)


def loaded_plugins() -> list[str]:
    """The plugin modules loaded in this process (passed on to sweep workers)."""
    return list(_LOADED)


def check_not_import_path(name: str, what: str, error: type[Exception] = ValueError) -> None:
    """Raise ``error`` with a clear message if ``name`` looks like ``"module:attr"``.

    Args:
        name: A scenario, agent or oracle name read from somewhere.
        what: ``"scenario"``, ``"agent"`` or ``"oracle"`` (for the message).
        error: The exception class to raise.
    """
    if isinstance(name, str) and _IMPORT_PATH.match(name):
        raise error(
            f"{what} {name!r} looks like a Python import path; archgym never imports code "
            f"named in data (a run folder, a sweep or scenario file, a command-line name). "
            f"Register your {what} from your own Python (archgym.{what}s.register(...)) or "
            f"load the module that registers it with `archgym --plugin MODULE ...`"
        )
