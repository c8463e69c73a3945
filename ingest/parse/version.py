"""The parser's version: bump it whenever the output for the same input could change, and the
loader re-parses every archived document on its next run."""

PARSER_VERSION = "1.7.1"  # 1.7.1: a report inside a cover letter (函): issuer from its own title, else the sender, null for a government office; 1.7.0: markdown front end; 1.6.1: OCR signs
