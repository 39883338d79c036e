"""Benchmarks run by `make bench`: each module prints figures as JSON lines."""
