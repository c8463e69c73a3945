"""The parser's version: bump it whenever the output for the same input could change, and the
loader re-parses every archived document on its next run."""

PARSER_VERSION = "1.6.1"  # 1.6.1: an OCR'd number of a signed column is kept only with no unread ink before its digits
