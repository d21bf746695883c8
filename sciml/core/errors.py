"""Exceptions that carry a one-line, user-facing message.

The CLI prints ``str(error)`` of any :class:`SciMLError` on one line and exits non-zero; anything
else is a bug and keeps its traceback.
"""


class SciMLError(Exception):
    """Bad input or an unrecoverable run condition, explained in one line."""


class SurrogateFormatError(SciMLError):
    """A surrogate file is missing, truncated, foreign, or of an unsupported format version."""


class SciMLWarning(UserWarning):
    """Something the user should know that does not stop the run (the CLI prints it as one
    ``warning:`` line), e.g. a dataset cache entry that had to be regenerated."""


class OutsideDomainWarning(SciMLWarning):
    """``predict`` was given points outside the problem's domain: the surrogate extrapolates.
    To refuse such points instead, turn it into an error with the standard filter:
    ``warnings.simplefilter("error", sciml.OutsideDomainWarning)``."""


def brief(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a one-line message: escaped (no line breaks) and at most ``limit``
    characters, whatever a file or a user put there."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
