"""Benchmark of the product against pandas and DuckDB on generated data (see run.py)."""
