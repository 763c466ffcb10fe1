"""Importers: a ``Workload`` from a PyTorch module or from a YAML / JSON layer list.

The importers live by concept and this module re-exports their public names:

* :mod:`.torch_import` — :func:`from_torch` (``torch.fx`` tracing, hook fallback), built on
  :mod:`.torch_ops` (which op is which layer kind), :mod:`.torch_program` (the walk over a
  traced program, :class:`UnsupportedOpError`) and :mod:`.torch_lowering` (its ops to layers);
* :mod:`.file_import` — :func:`from_file` and the schema of a layer list
  (:func:`layers_from_document`).
"""

from __future__ import annotations

from . import file_import, torch_import
from .file_import import *  # noqa: F403 - re-exported (its __all__)
from .torch_import import *  # noqa: F403 - re-exported (its __all__)

__all__: list[str] = []
__all__ += torch_import.__all__
__all__ += file_import.__all__
