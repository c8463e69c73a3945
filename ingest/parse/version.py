"""The parser's version: bump it whenever the output for the same input could change, and the
loader re-parses every archived document on its next run."""

PARSER_VERSION = "1.6.0"  # 1.6.0: page-laid tables gated by the template's identities (mapping/gate.py)
