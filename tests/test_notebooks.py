"""The notebooks run end to end in smoke mode (``ARCHGYM_SMOKE=1``), as CI runs them, and are
committed without outputs.

Each notebook is executed with nbclient in a kernel of *this* interpreter (a kernel spec
written to a temporary directory with ipykernel, so a ``python3`` kernel of some other
Python on the machine is never picked up), with the notebook's folder as working directory.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = [
    "01_design_sweep.ipynb",
    "02_agent_benchmark.ipynb",
    "03_transfer.ipynb",
    "04_imagenet_codesign.ipynb",
]
KERNEL = "archgym-test-python"
#: Wall-clock limit of one notebook in smoke mode (seconds).
TIMEOUT_S = 300

pytestmark = [pytest.mark.slow]
if importlib.util.find_spec("pytest_timeout") is not None:
    pytestmark.append(pytest.mark.timeout(TIMEOUT_S + 60))


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data directory holding a kernel spec that runs ``sys.executable``."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL, display_name="archgym tests", prefix=str(prefix))
    data = prefix / "share" / "jupyter"
    assert (data / "kernels" / KERNEL / "kernel.json").is_file()
    return data


def _listing(root: Path) -> tuple[dict[str, int], bool]:
    """Files under ``root`` with their modification times (full-mode run directories under
    ``runs/`` aside), and whether ``runs/`` exists."""
    files = {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file()
        and ".ipynb_checkpoints" not in p.parts
        and p.relative_to(root).parts[0] != "runs"
    }
    return files, (root / "runs").exists()


def test_every_notebook_is_tested() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, name
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs not stripped"
    source = "\n".join(c.source for c in code)
    assert 'os.environ.get("ARCHGYM_SMOKE") == "1"' in source, f"{name} does not read ARCHGYM_SMOKE"


@pytest.mark.parametrize("name", NAMES)
def test_runs_in_smoke_mode(name: str, kernel_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHGYM_SMOKE", "1")
    paths = [str(kernel_dir), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(paths))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    before = _listing(NOTEBOOKS)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    assert elapsed < TIMEOUT_S, f"{name} took {elapsed:.0f} s in smoke mode"
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    # the kernel ran in smoke mode
    assert any("smoke mode" in o.get("text", "") for c in nb.cells for o in c.get("outputs", [])), (
        name
    )
    # every study ends in a picture
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])), (
        name
    )
    # smoke mode leaves the repository alone (no figure overwritten, no run directory)
    assert _listing(NOTEBOOKS) == before
    print(f"{name}: {elapsed:.1f} s (python {sys.version.split()[0]})")
