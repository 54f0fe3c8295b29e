"""Benchmarks: each module runs with one command and prints its figures next to a baseline
measured in the same run (`python -m bench.NAME --help`)."""
