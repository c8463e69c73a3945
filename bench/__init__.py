"""Benchmarks (`make bench`): speed and memory figures, never test assertions."""
