"""Time every course notebook in quick and/or full mode; print the instructor guide's table.

    python benchmarks/notebook_times.py                 # quick mode, every notebook
    python benchmarks/notebook_times.py --full 01 03    # full mode, notebooks 01 and 03

Each notebook runs once, top to bottom, in a fresh kernel from its own folder
(``ganstyle_lib.course.notebooks.execute``), offline. The load average is read before
and after each run because the course machine is shared: a time measured under
load 4 is about twice the time on an idle machine. Paste the table into
``notebooks/INSTRUCTORS.md`` with the date and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from ganstyle_lib.course import notebooks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="notebook numbers, e.g. 00 01 (default: all)")
    parser.add_argument("--full", action="store_true", help="full mode (default: quick mode)")
    args = parser.parse_args()

    paths = [p for p in notebooks.list_notebooks() if not args.only or p.stem[:2] in args.only or p.stem in args.only]
    mode = "full" if args.full else "quick"
    print(f"# {mode} mode, {time.strftime('%Y-%m-%d %H:%M')} UTC, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"| notebook | {mode} mode | load average (1 min) before → after | status |")
    print("|---|---|---|---|")
    for path in paths:
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        nb = notebooks.execute(path, quick=not args.full, offline=True, raise_on_error=False)
        seconds = time.perf_counter() - start
        error = notebooks.first_error(nb)
        print(
            f"| {path.stem} | {seconds:.0f} s | {load_before:.1f} → {os.getloadavg()[0]:.1f} | "
            f"{'ok' if not error else 'FAILED: ' + error} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
