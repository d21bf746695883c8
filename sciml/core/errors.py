"""Exceptions that carry a one-line, user-facing message.

The CLI prints ``str(error)`` of any :class:`SciMLError` on one line and exits non-zero; anything
else is a bug and keeps its traceback.
"""


class SciMLError(Exception):
    """Bad input or an unrecoverable run condition, explained in one line."""


class SurrogateFormatError(SciMLError):
    """A surrogate file is missing, truncated, foreign, or of an unsupported format version."""
