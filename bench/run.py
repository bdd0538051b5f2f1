"""Run every benchmark, or the ones named: `python bench/run.py [name ...]`.

Each module in MODULES has a `main() -> int`; it prints its own figures, with the named
baseline measured side by side in the same run, and medians over repeated runs.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One line per benchmark module in bench/ (without .py).
MODULES = [
    "import_plan",
    "search",
    "portal",
    "api",
    "outage",
    "caching",
]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    names = argv or MODULES
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(MODULES)}")
        return 2
    status = 0
    for name in names:
        print(f"\n=== bench/{name}.py ===", flush=True)
        started = time.perf_counter()
        status |= importlib.import_module(name).main()
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
