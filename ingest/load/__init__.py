"""Stage 3 and the warehouse build: the loader (loader.py → parsed.duckdb, store.py, flatten.py,
issuers.py) and `python -m ingest build` (build.py: dbt build aside, then publish)."""
