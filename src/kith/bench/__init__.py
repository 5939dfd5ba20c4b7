"""Benchmarks shipped with Kith (``kith bench ...``): JSON figures for docs/benchmarks.md."""
