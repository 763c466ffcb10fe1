"""The package surface: what ``import archgym`` gives a user (run in fresh interpreters,
so imports made by other tests cannot leak in)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import archgym

#: The subpackages / modules the README names as ``archgym.<name>``.
SUBPACKAGES = [
    "workloads",
    "agents",
    "envs",
    "oracles",
    "scenarios",
    "space",
    "experiments",
    "analysis",
    "plotting",
    "validation",
]


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_subpackages_resolve_after_import_archgym():
    out = _run(
        f"""
        import archgym
        for name in {SUBPACKAGES!r}:
            mod = getattr(archgym, name)
            assert mod.__name__ == "archgym." + name, (name, mod)
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        archgym.no_such_thing  # noqa: B018
    assert set(SUBPACKAGES) <= set(dir(archgym))


def test_import_archgym_registers_env_ids_without_importing_gymnasium():
    out = _run(
        """
        import json, sys
        import archgym
        assert "gymnasium" not in sys.modules  # registration must not cost an import
        import gymnasium
        env = gymnasium.make("archgym/DesignEnv-v0", scenario="tiny")
        obs, info = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        print(json.dumps(sorted(k for k in gymnasium.registry if k.startswith("archgym/"))))
        """
    )
    assert json.loads(out) == sorted(archgym._registration.ENV_IDS)


def test_registration_when_gymnasium_came_first():
    _run(
        """
        import gymnasium
        import archgym
        gymnasium.make("archgym/SequentialDesignEnv-v1", scenario="tiny").reset(seed=0)
        import archgym.envs  # registering again is silent and keeps the ids
        gymnasium.make("archgym/SequentialDesignEnv-v0", scenario="tiny")
        """
    )


def test_readme_workload_names():
    from archgym import workloads

    # the README's table: the zoo, the importers, NAS-Bench-201 (module ``nb201``, builder
    # ``nb201_workload``) and the MobileNet-like space (module ``mobilenet_space``)
    assert workloads.nb201.parse_arch(0) == workloads.nb201.index_to_arch(0)
    cell = workloads.nb201.arch_to_str(0)
    assert workloads.nb201_workload(cell).name == workloads.nb201.nb201(cell).name
    assert callable(workloads.mobilenet_space.mobilenet_workload)
    for name in ("load", "list_zoo", "from_torch", "from_file", "load_hwnasbench"):
        assert callable(getattr(workloads, name)), name


def test_every_public_name_resolves():
    """``__all__`` of archgym and of each subpackage the README names: every name exists."""
    import importlib

    for pkg in ["archgym"] + [f"archgym.{n}" for n in SUBPACKAGES] + ["archgym.pareto"]:
        mod = importlib.import_module(pkg)
        missing = [n for n in getattr(mod, "__all__", ()) if not hasattr(mod, n)]
        assert not missing, (pkg, missing)
    # the README's table, by name
    assert callable(archgym.scenarios.list) and callable(archgym.scenarios.load)
    assert callable(archgym.agents.make) and callable(archgym.simulate_batch)
    assert {"DesignEnv-v0", "SequentialDesignEnv-v1"} <= {
        i.split("/")[1] for i in archgym.envs.ENV_IDS
    }


#: Modules that moved, as ``old path -> (new path, names the old path still gives)``.
MOVED_MODULES = {
    "archgym.agents.transfer": (
        "archgym.agents.transfer_data",
        ["TransferData", "prepare_transfer", "source_seeds"],
    ),
    "archgym.experiments.transfer": (
        "archgym.experiments.transfer_studies",
        ["TransferResult", "transfer_study", "exact_optimum", "optimum_of", "scenario_arg"],
    ),
    "archgym.experiments.cli": (
        "archgym.experiments.commands",
        ["add_commands", "parse_settings"],
    ),
}


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_moved_module_still_imports_with_a_deprecation_warning(old: str) -> None:
    new, names = MOVED_MODULES[old]
    out = _run(
        f"""
        import importlib, warnings
        new = importlib.import_module({new!r})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            old = importlib.import_module({old!r})
        assert any(
            issubclass(w.category, DeprecationWarning) and {new!r} in str(w.message)
            for w in caught
        ), [str(w.message) for w in caught]
        for name in {names!r}:
            assert getattr(old, name) is getattr(new, name), name
        print("ok")
        """
    )
    assert out.strip() == "ok"


def _module_imports() -> dict[str, set[str]]:
    """Module-level imports between archgym's modules (package ``__init__`` files and
    ``if TYPE_CHECKING:`` blocks left out), read from the source with ``ast``."""
    import ast

    repo = Path(__file__).resolve().parent.parent
    roots = {"archgym": "archgym", "archgym.agents": "agents", "archgym.envs": "envs"}
    roots["archgym.workloads"] = "workloads"
    mods: dict[str, tuple[Path, bool]] = {}
    for pkg, folder in roots.items():
        for f in (repo / folder).rglob("*.py"):
            parts = list(f.relative_to(repo / folder).with_suffix("").parts)
            name = ".".join([pkg] + [p for p in parts if p != "__init__"])
            mods[name] = (f, parts[-1] == "__init__")
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, (f, is_pkg) in mods.items():
        for node in ast.parse(f.read_text()).body:
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = m.split(".") if is_pkg else m.split(".")[:-1]
                if node.level:
                    base = base[: len(base) - (node.level - 1)]
                    t = ".".join(base + ([node.module] if node.module else []))
                else:
                    t = node.module or ""
                targets = [t] + [f"{t}.{a.name}" for a in node.names]
            else:
                continue
            edges[m] |= {t for t in targets if t in mods and t != m and not mods[t][1]}
    return edges


def test_no_import_cycle_between_modules():
    """A module's top-level imports never lead back to it (imports inside functions, for
    laziness, and type-checking-only imports do not count)."""
    edges = _module_imports()
    assert "archgym.scenarios.hardware" in edges["archgym.scenarios.enumeration"]

    def reaches(start: str) -> set[str]:
        seen, todo = set(), list(edges[start])
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(edges[m])
        return seen

    cycles = sorted(m for m in edges if m in reaches(m))
    assert not cycles, cycles


def test_every_package_folder_is_in_the_wheel() -> None:
    """``pyproject.toml`` lists its packages by hand (three live outside ``archgym/``): a
    sub-package folder missing from that list would be absent from a non-editable install
    while every test here (editable) still passes."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    conf = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    found = set()
    for dotted, folder in conf["package-dir"].items():
        for init in (root / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(root / folder).parts
            found.add(".".join((dotted, *rel)))
    assert found <= listed, sorted(found - listed)
