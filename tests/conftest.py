"""Set-up shared by every test folder.

``tests/`` mirrors the package (``tests/experiments/`` for ``archgym/experiments/``,
``tests/agents/`` for ``agents/``, ...; basenames stay unique, as pytest's default import
mode needs without ``__init__.py`` files). The plugin module the experiment tests load by
name, ``sweep_toy`` (``tests/sweep_toy.py``), lives here, so this folder goes on
``sys.path`` whichever sub-folder a collected test sits in.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
