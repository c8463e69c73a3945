"""The parser's version: bump it whenever the output for the same input could change, and the
loader re-parses every archived document on its next run."""

PARSER_VERSION = "1.7.0"  # 1.7.0: markdown front end (converters' PDF → markdown); 1.6.1: OCR'd signed numbers need clean ink before their digits
