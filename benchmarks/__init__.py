"""Measured speed, run on demand: ``python -m benchmarks.<name>``."""
