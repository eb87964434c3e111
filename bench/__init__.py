"""Benchmarks, run with `omni bench NAME`; each module has `run(**options) -> dict`."""
