"""Sweeps under faults: SIGKILL sweeps and their workers at random moments, then check
what the user is told and what is on disk.

    python benchmarks/fault_sweep.py [--quick] [--kills 24] [--seed 0]

A sweep of ``--cells`` runs (random search on ``hw-mobilenet_v2-area``, one design per
step, a few seconds each) is first run once without faults (the reference). Then, in a
fresh folder, sweeps are started with the command line (``archgym sweep``) and hit until
``--kills`` SIGKILLs were sent, each at a random moment (0.3 s to 8 s after the sweep
started or after the previous kill):

- the sweep process itself (its workers must go by themselves: orphans are counted 10 s
  after the kill),
- one of its workers, chosen at random (the cell it was running is read from the
  ``.lock`` of the run directory, which holds the PID of its holder),
- sometimes with a second sweep started into the same folder at the same time.

Every sweep that ends by itself is checked: a cell marked failed is *wrongly failed* if
its run is complete on disk, or if the benchmark did not kill its worker twice in that
sweep (the only failure this benchmark causes). Finally the sweep is run once more
without faults and every cell's log is compared with the reference, row by row: *lost
rows* (in the reference, not on disk), *duplicated rows* (an evaluation logged twice) and
*wrong rows* (a value that differs; wall times excepted). Goal: all 0.

Prints the kills sent by kind, sweeps started, the four counts and the final index.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402

from archgym.experiments import sweep  # noqa: E402
from archgym.experiments.logs import LOG_CSV, WALL_TIME_COLUMNS, read_log  # noqa: E402
from archgym.experiments.sweep_cell import _MAX_WORKER_DEATHS  # noqa: E402

ORPHAN_WAIT_S = 10.0


def _config(cells: int, budget: int) -> dict:
    return {
        "budget": budget,
        "seeds": cells,
        "scenarios": ["hw-mobilenet_v2-area"],
        "agents": [{"name": "random", "settings": {"batch_size": 1}}],
        "format": "csv",
    }


class Sweeper:
    """Starts sweeps on one folder and keeps the facts the checks need."""

    def __init__(self, cfg_path: Path, out: Path, workers: int) -> None:
        self.cfg_path, self.out, self.workers = cfg_path, out, workers
        self.procs: list[subprocess.Popen] = []
        self.worker_kills: dict[int, Counter] = {}  # sweep pid -> cells whose worker died

    def start(self) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "archgym.cli", "sweep", str(self.cfg_path)]
        cmd += ["--out", str(self.out), "--workers", str(self.workers), "--no-progress"]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.procs.append(proc)
        self.worker_kills[proc.pid] = Counter()
        return proc

    def live(self) -> list[subprocess.Popen]:
        return [p for p in self.procs if p.poll() is None]

    def workers_of(self, proc: subprocess.Popen) -> list[int]:
        try:
            return [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cell_of(self, pid: int) -> str | None:
        """The cell whose lock ``pid`` holds now (its PID in ``.lock`` and the lock taken)."""
        import fcntl

        for lock in self.out.glob("*/.lock"):
            try:
                if lock.read_text().strip() != str(pid):
                    continue
                fd = os.open(lock, os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)  # free: nobody runs this cell
            except OSError:
                return lock.parent.name
            finally:
                os.close(fd)
        return None


def _alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _check_finished(sw: Sweeper, proc: subprocess.Popen, wrong: list[str]) -> None:
    """A sweep that ended by itself: its index must fail only cells killed twice."""
    if proc.returncode not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        wrong.append(f"sweep {proc.pid} exited {proc.returncode}: {err[-300:]}")
        return
    index = pd.read_csv(sw.out / "index.csv")
    killed = sw.worker_kills.get(proc.pid, Counter())
    for _, row in index[index["status"] == "error"].iterrows():
        complete = (sw.out / row["dir"] / "summary.json").exists()
        if complete or killed[row["run_id"]] < _MAX_WORKER_DEATHS:
            wrong.append(f"{row['run_id']}: {row['error']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer kills and cells (about 1 min)")
    ap.add_argument("--kills", type=int, default=None, help="SIGKILLs to send (default 24)")
    ap.add_argument("--cells", type=int, default=None, help="cells of the sweep (default 6)")
    ap.add_argument("--budget", type=int, default=None, help="evaluations per cell")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    n_kills = args.kills or (6 if args.quick else 24)
    cells = args.cells or (3 if args.quick else 6)
    budget = args.budget or (40 if args.quick else 80)
    rng = random.Random(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="fault_sweep"))
    try:
        cfg = _config(cells, budget)
        cfg_path = tmp / "sweep.yaml"
        cfg_path.write_text(yaml.safe_dump(cfg))
        t0 = time.perf_counter()
        ref = sweep(cfg, tmp / "ref", workers=args.workers)
        ref_s = time.perf_counter() - t0
        assert ref.ok, ref.index
        print(f"reference sweep: {cells} cells x {budget} evaluations, {ref_s:.1f} s")

        sw = Sweeper(cfg_path, tmp / "faulty", args.workers)
        kinds: Counter = Counter()
        orphans: list[int] = []
        wrong: list[str] = []
        pairs = 0
        t0 = time.perf_counter()
        while sum(kinds.values()) < n_kills:
            live = sw.live()
            if not live:
                live = [sw.start()]
                if rng.random() < 0.25:  # a second sweep into the same folder
                    live.append(sw.start())
                    pairs += 1
            time.sleep(rng.uniform(0.3, 8.0))
            for proc in sw.procs:
                if proc.poll() is not None and proc.pid in sw.worker_kills:
                    _check_finished(sw, proc, wrong)
                    del sw.worker_kills[proc.pid]
            live = sw.live()
            if not live:
                continue
            proc = rng.choice(live)
            want_worker = rng.random() < 0.6
            deadline = time.monotonic() + 8.0
            while True:  # a worker that runs a cell (workers take a moment to start)
                workers = sw.workers_of(proc)
                busy = [(w, sw.cell_of(w)) for w in workers]
                busy = [(w, c) for w, c in busy if c is not None]
                if busy or not want_worker or time.monotonic() > deadline:
                    break
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
            if proc.poll() is not None:
                continue
            if busy and want_worker:
                pid, cell = rng.choice(busy)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                sw.worker_kills[proc.pid][cell] += 1
                kinds["worker"] += 1
            else:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                kinds["sweep"] += 1
                deadline = time.monotonic() + ORPHAN_WAIT_S
                while _alive(workers) and time.monotonic() < deadline:
                    time.sleep(0.1)
                orphans += _alive(workers)
                for pid in _alive(workers):  # do not leave them behind
                    os.kill(pid, signal.SIGKILL)
                del sw.worker_kills[proc.pid]
        for proc in sw.procs:  # let the sweeps still running end by themselves
            if proc.poll() is None:
                proc.wait(timeout=600)
            if proc.pid in sw.worker_kills:
                _check_finished(sw, proc, wrong)
        fault_s = time.perf_counter() - t0

        final = sweep(cfg, tmp / "faulty", workers=args.workers)
        lost = duplicated = wrong_rows = 0
        for cell in ref.index["dir"]:
            want = read_log(tmp / "ref" / cell / LOG_CSV)
            have = read_log(tmp / "faulty" / cell / LOG_CSV)
            counts = have["eval"].value_counts()
            duplicated += int((counts - 1).clip(lower=0).sum())
            lost += len(set(want["eval"]) - set(have["eval"]))
            drop = [c for c in WALL_TIME_COLUMNS if c in want.columns]
            a = want.drop(columns=drop).set_index("eval")
            b = have.drop(columns=drop).drop_duplicates("eval").set_index("eval")
            common = a.index.intersection(b.index)
            a, b = a.loc[common], b.loc[common, a.columns]
            same = (a == b) | (a.isna() & b.isna())
            wrong_rows += int((~same.all(axis=1)).sum())
        print(
            f"kills: {sum(kinds.values())} ({kinds['sweep']} sweep processes, "
            f"{kinds['worker']} workers) over {len(sw.procs)} sweeps started "
            f"({pairs} times two at once), {fault_s:.1f} s"
        )
        print(f"lost rows:             {lost}")
        print(f"duplicated rows:       {duplicated}")
        print(f"wrong rows:            {wrong_rows}")
        print(f"wrongly failed cells:  {len(wrong)}")
        for w in wrong[:10]:
            print(f"  {w}")
        print(f"orphans after {ORPHAN_WAIT_S:.0f} s:    {len(orphans)}")
        print("final index:", dict(Counter(final.index["status"])))
    finally:
        for proc in getattr(locals().get("sw"), "procs", []):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
