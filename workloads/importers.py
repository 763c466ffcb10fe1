"""Importers: a ``Workload`` from a PyTorch module or from a YAML / JSON layer list.

The importers live by concept and this module re-exports their public names:

* :mod:`.torch_import` — :func:`from_torch` (``torch.fx`` tracing, hook fallback), built on
  :mod:`.torch_ops` (which op is which layer kind) and :mod:`.torch_lowering` (a traced
  program to layers, :class:`UnsupportedOpError`);
* :mod:`.file_import` — :func:`from_file` and the schema of a layer list
  (:func:`layers_from_document`).
"""

from __future__ import annotations

from .file_import import (
    MAX_FILE_BYTES,
    MAX_FILE_INT,
    MAX_FILE_WORK,
    TYPE_ALIASES,
    from_file,
    layers_from_document,
)
from .torch_import import MAX_TORCH_BATCH, MAX_TORCH_INPUT_ELEMS, UnsupportedOpError, from_torch

__all__ = [
    "UnsupportedOpError",
    "from_torch",
    "from_file",
    "layers_from_document",
    "TYPE_ALIASES",
    "MAX_FILE_INT",
    "MAX_FILE_WORK",
    "MAX_FILE_BYTES",
    "MAX_TORCH_INPUT_ELEMS",
    "MAX_TORCH_BATCH",
]
