"""Benchmarks for wstui: `python -m bench` (see bench/README.md)."""
