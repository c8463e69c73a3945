"""Stage 2: the county registry, a polite async crawler, and the raw archive.

registry.py (which portals) → adapters/ (how each platform family lists its reports) →
fetcher.py (politeness, robots.txt, retries, caps, conditional GET) → crawler.py (what becomes
a document) → archive.py (blobs + raw DuckDB tables, and the read API later stages use).
Commands: cli.py (`python -m ingest crawl`) and archive_cli.py (`python -m ingest archive`).
"""
