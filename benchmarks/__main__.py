"""`python -m benchmarks [NAME ...] [--smoke]`: run benchmarks, print tables, write JSON."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._common import RESULTS, Result, machine, report, save

#: name -> module (each has `run(size) -> Result`), in the order they run.
BENCHMARKS = {
    "tracking": "benchmarks.tracking",
    "responsiveness": "benchmarks.responsiveness",
    "downloads": "benchmarks.downloads",
    "notebook": "benchmarks.notebook",
    "render": "benchmarks.bench_render",
    "imports": "benchmarks.imports",
    "view": "benchmarks.view",
    "hostile": "benchmarks.hostile",
    "watch": "benchmarks.watch",
    "team": "benchmarks.team",
    "storyboard": "benchmarks.storyboard",
    "board_records": "benchmarks.board_records",
    "gateways": "benchmarks.gateways",
    "arena": "benchmarks.arena",
}


def run_one(name: str, size: str) -> Result:
    module = importlib.import_module(BENCHMARKS[name])
    start = time.perf_counter()
    result: Result = module.run(size)
    result.seconds = time.perf_counter() - start
    return result


def main(argv: Sequence[str] | None = None, *, out: Path = RESULTS) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(BENCHMARKS)} (default all)")
    parser.add_argument("--smoke", action="store_true", help="smallest sizes, to check they run")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    size = "smoke" if args.smoke else "full"
    names = args.names or list(BENCHMARKS)
    info = machine()
    print(
        f"machine: {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}, "
        f"load {info['load_average']}; size: {size}",
        flush=True,
    )
    combined: dict[str, Any] = {"machine": info, "size": size, "results": {}}
    start = time.perf_counter()
    for name in names:
        result = run_one(name, size)
        print("\n" + report(result), flush=True)
        payload = {"machine": info, "size": size, **result.to_dict()}
        save(name, payload, out)
        combined["results"][name] = result.to_dict()
    combined["seconds"] = time.perf_counter() - start
    path = save("combined", combined, out)
    print(f"\n{len(names)} benchmark(s) in {combined['seconds']:.0f} s; results in {path.parent}")
    return combined


if __name__ == "__main__":
    main()
    sys.exit(0)
