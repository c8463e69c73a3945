"""The parser's version: bump it whenever the output for the same input could change, and the
loader re-parses every archived document on its next run."""

PARSER_VERSION = "1.8.0"  # 1.8.0: table-3 rows padded with blank cells placed when proven (row total) or where both placements agree; markdown grid tables, label colspans; 1.7.1: cover letters; 1.7.0: markdown; 1.6.1: OCR signs
