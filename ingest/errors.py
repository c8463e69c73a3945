"""Errors a user can act on. The CLI prints them as one line and exits non-zero, never a traceback."""


class UserError(Exception):
    """Bad input or a state the user must fix. `exit_code` is what the CLI returns."""

    exit_code = 2


class NotAReport(UserError):
    """The input is readable but is not a disclosure annual report."""


class PipelineError(Exception):
    """Our own pipeline broke an invariant (exit 1): a bug or a corrupted state, not bad input."""

    exit_code = 1


class NeedsTool(UserError):
    """The document is fine but reading it needs a program that is not installed here
    (LibreOffice for .doc/.wps, the OCR engine for scans). The loader records it apart from
    broken reports and tries again on a later run."""

    def __init__(self, message: str, tool: str | None = None):
        super().__init__(message)
        self.tool = tool  # the program's name (e.g. "soffice"): the loader retries once it is found
