"""A reaper for the processes of a local Ray head started by a sweep.

Ray ties its raylet and GCS to the driver, but some of its agents outlive a driver that
is killed (SIGKILL, out of memory). ``python -m archgym.experiments._reaper PID`` watches
the process ``PID`` (the sweep): twice a second it records ``PID``'s descendants; when its
standard input says ``done`` it exits (a normal end: ``ray.shutdown()`` stopped them);
when its standard input closes without it (the sweep died) it kills every recorded
process that still runs (the same process: PID and start time), then exits.
"""

from __future__ import annotations

import select
import sys


def main(parent_pid: int) -> None:
    import psutil

    try:
        parent = psutil.Process(parent_pid)
    except psutil.NoSuchProcess:
        return
    me = psutil.Process().pid
    known: dict[int, psutil.Process] = {}
    stdin = sys.stdin.buffer
    while True:
        try:
            for p in parent.children(recursive=True):
                if p.pid != me:
                    known.setdefault(p.pid, p)
        except psutil.NoSuchProcess:
            pass
        ready, _, _ = select.select([stdin], [], [], 0.5)
        if ready:
            line = stdin.readline()
            if line.strip() == b"done":
                return
            if line == b"":  # the sweep died: its pipe closed without "done"
                break
    for p in known.values():
        try:
            if p.is_running():  # compares the start time: never a recycled PID
                p.kill()
        except psutil.Error:
            pass


if __name__ == "__main__":
    main(int(sys.argv[1]))
