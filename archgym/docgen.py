"""Generated parts of ``docs/``: agent settings and workload layer fields, from the code.

The agents' settings tables come from their ``Settings`` dataclasses (field, type,
default, and the docstring written under the field); the workload layer table from the
layer classes of :data:`archgym.workloads.layers.LAYER_TYPES`. They sit in the Markdown
files between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``;
``python -m archgym.docgen`` rewrites them, and a test checks that they are current.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "field_docs",
    "agent_settings_markdown",
    "layer_types_markdown",
    "GENERATED",
    "update",
    "main",
]


def field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under the fields of a dataclass (and its bases)."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        tree = ast.parse(source)
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, nxt in zip(body, body[1:], strict=False):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                out[stmt.target.id] = " ".join(inspect.cleandoc(nxt.value.value).split())
    return out


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "(required)"
    return f"`{value!r}`"


def _type(f: dataclasses.Field[Any]) -> str:
    t = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    return f"`{t}`".replace("|", "\\|")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def agent_settings_markdown() -> str:
    """One section per registered agent: its settings with type, default and meaning."""
    from archgym import agents

    parts = []
    for name in sorted(agents.REGISTRY):
        try:
            cls = agents.agent_class(name)
        except ImportError as exc:  # an optional extra that is not installed
            parts.append(f"### `{name}`\n\nnot installed here ({exc}).\n")
            continue
        settings = cls.Settings
        docs = field_docs(settings)
        head = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
        lines = [
            f"### `{name}` — `{cls.__module__}.{cls.__qualname__}`",
            "",
            head,
            "",
            "| setting | type | default | meaning |",
            "|---|---|---|---|",
        ]
        for f in dataclasses.fields(settings):
            lines.append(
                f"| `{f.name}` | {_type(f)} | {_cell(_default(f))} | {_cell(docs.get(f.name, ''))} |"
            )
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def layer_types_markdown() -> str:
    """The layer types a workload file may use, with their fields and defaults."""
    from archgym.workloads.layers import LAYER_TYPES

    lines = ["| type | fields (default) |", "|---|---|"]
    for tname, cls in sorted(LAYER_TYPES.items()):
        fields = []
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            d = _default(f)
            fields.append(f"`{f.name}`" + ("" if d == "(required)" else f" ({d.strip('`')})"))
        lines.append(f"| `{tname}` | {_cell(', '.join(fields))} |")
    return "\n".join(lines) + "\n"


#: Generated block name -> (file under docs/, generator).
GENERATED: dict[str, tuple[str, Callable[[], str]]] = {
    "agent-settings": ("agents.md", agent_settings_markdown),
    "layer-types": ("workloads.md", layer_types_markdown),
}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- BEGIN GENERATED: {re.escape(name)} -->\n)(.*?)(<!-- END GENERATED: {re.escape(name)} -->)",
        re.S,
    )


def update(docs_dir: str | Path, check: bool = False) -> list[str]:
    """Rewrite the generated blocks of ``docs_dir`` (or, with ``check``, only report).

    Returns:
        The names of the blocks that were (or, with ``check``, would be) changed.
    """
    changed = []
    for name, (fname, gen) in GENERATED.items():
        path = Path(docs_dir) / fname
        text = path.read_text(encoding="utf-8")
        pattern = _block(name)
        if not pattern.search(text):
            raise ValueError(f"{path} has no block <!-- BEGIN GENERATED: {name} -->")
        body = gen()

        def splice(m: re.Match[str], body: str = body) -> str:
            return m.group(1) + body + m.group(3)

        new = pattern.sub(splice, text)
        if new != text:
            changed.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    return changed


#: The ``docs/`` folder of a source checkout (where ``python -m archgym.docgen`` writes).
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m archgym.docgen`` command line."""
    parser = argparse.ArgumentParser(
        prog="python -m archgym.docgen",
        description=(
            "Rewrite the generated blocks of the documentation (agent settings tables, "
            "workload layer fields) from the code, or with --check only say whether they "
            "are current."
        ),
    )
    parser.add_argument(
        "docs_dir",
        nargs="?",
        type=Path,
        default=DOCS_DIR,
        help="the documentation folder (default: the checkout's docs/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a generated block is out of date",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m archgym.docgen [--check] [DOCS_DIR]``.

    Returns:
        0 when the blocks were updated (or, with ``--check``, are current), 1 when
        ``--check`` finds stale blocks, 2 on a bad folder or a page without its block.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.docs_dir.is_dir():
        parser.error(f"docs_dir: {args.docs_dir} is not a folder")
    try:
        names = update(args.docs_dir, check=args.check)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(("out of date: " if args.check else "updated: ") + (", ".join(names) or "none"))
    return 1 if names and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
