"""Benchmarks for the figures of SPEC §9 (not tests: run them by hand, see docs/performance.md)."""
