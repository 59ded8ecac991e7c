"""Benchmarks: each prints its figures and records them in bench/results/*.json."""
