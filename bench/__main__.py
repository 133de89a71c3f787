"""`python -m bench`: run every benchmark in turn (each also runs alone: python -m bench.<name>)."""

import importlib
import sys

for name in ("bench.bench_engine", "bench.bench_projector"):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # a benchmark whose code is not there yet
        print(f"{name}: skipped ({exc})", file=sys.stderr)
        continue
    print(f"== {name}")
    sys.argv = [name]
    module.main()
    print()
