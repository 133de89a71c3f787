"""`python -m bench`: run every benchmark in turn (each also runs alone: python -m bench.<name>)."""

import importlib
import sys

for name in ("bench.bench_engine", "bench.bench_projector", "bench.bench_gateway", "bench.bench_notifier", "bench.bench_season"):
    module = importlib.import_module(name)
    print(f"== {name}", flush=True)
    sys.argv = [name]
    module.main()
    print(flush=True)
