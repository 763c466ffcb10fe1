"""Set-up shared by every test folder.

``tests/`` mirrors the package (``tests/experiments/`` for ``archgym/experiments/``,
``tests/agents/`` for ``agents/``, ...; basenames stay unique, as pytest's default import
mode needs without ``__init__.py`` files). The plugin module the experiment tests load by
name, ``sweep_toy`` (``tests/sweep_toy.py``), lives here, so this folder goes on
``sys.path`` whichever sub-folder a collected test sits in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture
def toy_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``sweep_toy`` plugin (scenario and agent ``toy``) registered here, and importable
    by what a test starts: spawned workers inherit ``sys.path``, subprocesses and Ray
    workers get ``PYTHONPATH``."""
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    from archgym.plugins import load_plugins

    load_plugins(["sweep_toy"])  # a sweep passes it on to its workers
