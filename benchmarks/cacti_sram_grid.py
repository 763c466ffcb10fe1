"""Run CACTI 7 (the binary that ships inside zigzag-dse) on a grid of SRAMs and write the
results to ``benchmarks/data/cacti7_sram.csv``.

    python benchmarks/cacti_sram_grid.py            # needs the `bench` extra (zigzag-dse)

The CSV is the reference data that ``archgym/data/technology.yaml``'s SRAM energy law was
fitted to (see ``benchmarks/validate_energy.py``, which re-fits and prints the error). It
is read as data only. Each row: technology node (nm), capacity (bytes), port width (bits),
read and write energy of one access (pJ), area (mm^2). One read and one write port, one
bank, as the archgym core memory and ZigZag's example buffers.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "cacti7_sram.csv"
SIZES = [128, 512, 2048, 8192, 32768, 131072, 524288, 2097152, 8388608]
WIDTHS = [8, 32, 128, 512]
NODES = [0.045, 0.032, 0.022, 0.016]


def cacti(size_bytes: int, width_bits: int, node_um: float) -> tuple[float, float, float]:
    """(read pJ, write pJ, area mm^2) of one SRAM from CACTI 7 via zigzag's wrapper."""
    import zigzag.cacti.cacti_parser as cp

    master = Path(cp.__file__).resolve().parent / "cacti_master"
    # CACTI must run inside its folder; keep a private memory pool there for this process.
    pool = master / f"archgym_pool_{os.getpid()}.yaml"
    if not pool.exists():
        pool.write_text("")
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(os.sys.executable).parent}:{old}"  # cacti_top runs `python`
    try:
        return cp.CactiParser().get_item(
            mem_name="archgym",
            mem_type="sram",
            size=size_bytes * 8,
            r_bw=width_bits,
            r_port=1,
            w_port=1,
            rw_port=0,
            bank=1,
            technology=node_um,
            mem_pool_path=str(pool),
        )
    finally:
        os.environ["PATH"] = old


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    import logging

    logging.disable(logging.WARNING)
    rows = []
    for node in NODES:
        for s in SIZES:
            for w in WIDTHS:
                if s * 8 < 16 * w or (node in (0.032, 0.016) and w not in (32, 128)):
                    continue  # fewer than 16 words, or a node-scaling check point only
                try:
                    r, wr, a = cacti(s, w, node)
                except Exception as e:  # CACTI finds no organisation for some shapes
                    print(f"skip {s} B x {w} b at {node * 1e3:g} nm: {e}")
                    continue
                rows.append((round(node * 1e3), s, w, r, wr, a))
                print(rows[-1], flush=True)
    tmp = Path(tempfile.mkstemp(dir=args.out.parent, suffix=".csv")[1])
    with tmp.open("w", newline="") as f:
        wcsv = csv.writer(f)
        wcsv.writerow(["node_nm", "size_bytes", "width_bits", "read_pj", "write_pj", "area_mm2"])
        wcsv.writerows(rows)
    shutil.move(tmp, args.out)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
