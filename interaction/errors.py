"""Exceptions whose messages are meant for the user (the CLI prints them as one line, the app in a message box)."""

from mattestudio.models.protocol import BackendError, Cancelled

from .imageio import ImageError
from .prompts import PromptError
from .session import SessionError


class ProjectError(ValueError):
    """A project file cannot be read or written."""


class ExportError(OSError):
    """An export could not be written."""


USER_ERRORS: tuple[type[BaseException], ...] = (ImageError, PromptError, SessionError, BackendError, Cancelled,
                                                ProjectError, ExportError)
