"""Errors a user can act on. The CLI prints them as one line and exits non-zero, never a traceback."""


class UserError(Exception):
    """Bad input or a state the user must fix. `exit_code` is what the CLI returns."""

    exit_code = 2


class NotAReport(UserError):
    """The input is readable but is not a disclosure annual report."""


class NeedsTool(UserError):
    """The input is a format read through an external program that is not installed here
    (LibreOffice for .doc/.wps). Not the document's fault: the loader records it as
    `needs_tool` and parses it again once the program is there."""

    def __init__(self, message: str, tool: str):
        super().__init__(message)
        self.tool = tool


class PipelineError(Exception):
    """Our own pipeline broke an invariant (exit 1): a bug or a corrupted state, not bad input."""

    exit_code = 1


class NeedsTool(UserError):
    """The document is fine but reading it needs a program that is not installed here
    (LibreOffice for .doc/.wps, the OCR engine for scans). The loader records it apart from
    broken reports and tries again on a later run."""
