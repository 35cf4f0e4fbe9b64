"""Benchmarks of sora-notebook against its alternatives (not tests; run on demand).

    python -m benchmarks                       # every benchmark, full sizes
    python -m benchmarks tracking downloads    # some of them
    python -m benchmarks --smoke               # smallest sizes (what the smoke test runs)

Each benchmark measures this project and its alternative side by side in one run and
reports ratios (absolute times vary with the machine). Tables are printed; results go to
`benchmarks/results/<name>.json` and `benchmarks/results/all.json`. See docs/benchmarks.md.
"""
