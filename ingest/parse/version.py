"""The parser's version: bump it whenever the output for the same input could change, and the
loader re-parses every archived document on its next run."""

PARSER_VERSION = "1.5.1"  # 1.5.1: OFD and OCR warnings name their own format, not "pdf"
