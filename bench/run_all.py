"""Run every benchmark, each in its own process, and write bench/RESULTS.md.

Each script prints a markdown section; it is saved to ``bench/results/<name>.md``
and RESULTS.md is assembled from the saved sections, so scripts can be re-run
one at a time (``--only``) without losing the others.

    python bench/run_all.py            # full run (about 40 minutes)
    python bench/run_all.py --quick    # smoke run (about 3 minutes)
    python bench/run_all.py --only overlap,cluster
    python bench/run_all.py --assemble # only rebuild RESULTS.md from saved sections
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SECTIONS = os.path.join(HERE, "results")

FULL = {
    "memory": [],
    "overlap": [],
    "scaling": [],
    "order_cost": [],
    "realistic": [],
    "cluster": ["--repeats", "9"],
    "shapes": ["--repeats", "2"],
    "long_fits": ["--repeats", "2"],
    "tiny_steps": ["--repeats", "5"],
    "scoring": [],
    "many": [],
    "search": [],
}
QUICK = {
    "memory": ["--blocks", "12", "--proc-blocks", "12", "--repeats", "1", "--fit-time", "0.05", "--curve", "6"],
    "overlap": ["--blocks", "10", "--repeats", "1", "--load-time", "0.05", "--fit-time", "0.05"],
    "scaling": ["--sizes", "100,1000", "--dask-ml-sizes", "100", "--million", "10000", "--repeats", "1"],
    "order_cost": ["--sizes", "1000,2000", "--unbounded-sizes", "1000", "--repeats", "1"],
    "realistic": ["--blocks", "20", "--repeats", "1", "--rows", "2000"],
    "cluster": ["--steps", "30", "--repeats", "1", "--big-blocks", "4", "--locality-blocks", "4",
                "--locality-repeats", "1", "--hidden", "64"],
    "shapes": ["--quick"],
    "long_fits": ["--quick"],
    "tiny_steps": ["--quick"],
    "scoring": ["--quick"],
    "many": ["--quick"],
    "search": ["--quick"],
}
HEADER = """# dask_incr benchmarks

Date: {date}. Machine: {machine}.
Produced by `python bench/run_all.py{flags}`; every table compares dask_incr with its references
measured side by side in the same process run (cases interleaved), medians of several runs. The
machine is shared with other agents running test suites now and then, so absolute times carry
noise; ratios measured side by side are the figures to trust.
"""


def run(name, extra):
    cmd = [sys.executable, os.path.join(HERE, f"{name}.py"), *extra]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        text = f"### {name}: FAILED (exit {done.returncode})\n\n```\n{done.stderr[-3000:]}\n```"
    else:
        text = done.stdout.strip()
    text += f"\n\n_`{' '.join(['python', f'bench/{name}.py', *extra])}` took {seconds:.0f} s._"
    os.makedirs(SECTIONS, exist_ok=True)
    with open(os.path.join(SECTIONS, f"{name}.md"), "w") as f:
        f.write(text + "\n")
    print(f"{name}: {seconds:.0f} s{' FAILED' if done.returncode else ''}", flush=True)


def assemble(args):
    parts = [HEADER.format(date=args.date, machine=args.machine, flags=" --quick" if args.quick else "")]
    notes = os.path.join(HERE, "NOTES.md")
    for name in FULL:
        path = os.path.join(SECTIONS, f"{name}.md")
        if os.path.exists(path):
            with open(path) as f:
                parts.append(f.read().strip())
    if os.path.exists(notes):
        with open(notes) as f:
            parts.append(f.read().strip())
    with open(args.output, "w") as f:
        f.write("\n\n".join(parts) + "\n")
    print(f"wrote {args.output}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes, one run each: a smoke test")
    p.add_argument("--only", default=",".join(FULL), help="comma-separated scripts to run")
    p.add_argument("--assemble", action="store_true", help="do not run anything, only write RESULTS.md")
    p.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--date", default=datetime.date.today().isoformat())
    p.add_argument("--machine", default="2-core, 24 GiB, Python 3.11, dask 2026.8.0, scikit-learn 1.9.1")
    args = p.parse_args(argv)
    if not args.assemble:
        flags = QUICK if args.quick else FULL
        for name in args.only.split(","):
            run(name, flags[name])
    assemble(args)


if __name__ == "__main__":
    main()
