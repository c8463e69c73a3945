"""Government-information-disclosure annual reports: parse, crawl, load, validate."""

__version__ = "0.1.0"
