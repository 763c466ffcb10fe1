"""Every example in docs/*.md runs, and the generated tables are current.

Fenced blocks, by their info string:

* ``python`` — executed, in page order, in one namespace per page;
* ``python file=NAME`` / ``yaml ... file=NAME`` — written to NAME first (a plugin module, a
  file a later command reads);
* ``yaml scenario`` — built with ``Scenario.from_yaml`` and a sample evaluated;
* ``yaml workload`` — loaded with ``workloads.from_file`` and simulated;
* ``yaml sweep`` — parsed with ``load_config`` and expanded;
* ``bash`` — each ``archgym ...`` line run with ``archgym.cli.main`` (exit status 0).

Each page runs in a fresh temporary folder.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from archgym import cli, docgen

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.S | re.M)
PAGES = sorted(p.name for p in DOCS.glob("*.md"))


def _blocks(page: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for m in FENCE.finditer((DOCS / page).read_text(encoding="utf-8")):
        words = m.group(1).split()
        lang = words[0] if words else ""
        opts = dict(w.split("=", 1) if "=" in w else (w, "") for w in words[1:])
        out.append((lang, opts, m.group(2)))
    return out


def test_docs_exist() -> None:
    assert {
        "README.md",
        "scenarios.md",
        "workloads.md",
        "sweeps.md",
        "agents.md",
        "envs.md",
        "experiments.md",
    } <= set(PAGES)


def test_generated_tables_are_current() -> None:
    from archgym import agents

    for name in agents.REGISTRY:
        try:
            agents.agent_class(name)
        except ImportError as exc:  # an optional extra: the table cannot be compared here
            pytest.skip(f"agent {name!r} is not installed ({exc})")
    stale = docgen.update(DOCS, check=True)
    assert not stale, f"run `python -m archgym.docgen` to regenerate {stale}"
    text = (DOCS / "agents.md").read_text()
    for name in agents.REGISTRY:
        assert f"### `{name}`" in text


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from archgym import plugins, workloads
    from archgym.experiments import expand_grid, load_config
    from archgym.scenarios import Scenario

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "_LOADED", list(plugins._LOADED))  # a page's plugin stays here
    blocks = _blocks(page)
    for _, opts, body in blocks:
        if "file" in opts:
            (tmp_path / opts["file"]).write_text(body)
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    ran = 0
    for lang, opts, body in blocks:
        if lang == "python" and "file" not in opts:
            exec(compile(body, f"{page}:python", "exec"), namespace)  # noqa: S102 - the docs' own example
            ran += 1
        elif lang == "yaml" and "scenario" in opts:
            sc = Scenario.from_yaml(body)
            ev = sc.evaluate(sc.sample(4, seed=0))
            assert len(ev) == 4
            ran += 1
        elif lang == "yaml" and "workload" in opts:
            path = tmp_path / opts.get("file", "workload.yaml")
            path.write_text(body)
            assert len(workloads.from_file(path)) == len(yaml.safe_load(body)["layers"])
            ran += 1
        elif lang == "yaml" and "sweep" in opts:
            cells = expand_grid(load_config(yaml.safe_load(body)), tmp_path / "grid")
            assert cells
            ran += 1
        elif lang == "bash":
            for line in body.splitlines():
                line = line.split("#", 1)[0].strip()
                if not line.startswith("archgym "):
                    continue
                code = cli.main(shlex.split(line)[1:])
                assert code == 0, f"{page}: `{line}` exited {code}"
                ran += 1
        elif lang in ("python", "yaml"):
            continue  # a file written above
        else:
            pytest.fail(f"{page}: a ```{lang} block the docs test does not know how to run")
    if page != "README.md":
        assert ran, f"{page} has no example"
    sys.modules.pop("archgym_docs_plugin", None)


def test_docgen_command_line_help_and_check_change_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    copy = tmp_path / "docs"
    shutil.copytree(DOCS, copy)
    page = copy / "workloads.md"
    stale = re.sub(
        r"(<!-- BEGIN GENERATED: layer-types -->\n).*?(<!-- END GENERATED)",
        r"\1stale\n\2",
        page.read_text(encoding="utf-8"),
        flags=re.S,
    )
    page.write_text(stale, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        docgen.main(["--help", str(copy)])
    assert exc.value.code == 0 and "--check" in capsys.readouterr().out
    assert docgen.main(["--check", str(copy)]) == 1
    assert page.read_text(encoding="utf-8") == stale  # --help and --check wrote nothing
    assert docgen.main([str(copy)]) == 0 and "stale\n" not in page.read_text(encoding="utf-8")
    assert docgen.main(["--check", str(copy)]) == 0
    with pytest.raises(SystemExit) as exc:
        docgen.main([str(tmp_path / "missing")])
    assert exc.value.code == 2 and "docs_dir" in capsys.readouterr().err
