"""The suite's one error family: a problem the user can fix, said in one line, with its exit code.

Every user-facing error class derives from :class:`MentortrackError`; the command line
(:mod:`mentortrack.cli`) prints ``error: <message>`` and exits with the error's
:attr:`~MentortrackError.exit_code`, in one place.
"""

from __future__ import annotations


class MentortrackError(Exception):
    """A problem with the input, the settings or the environment that the user can fix."""

    exit_code: int = 2
    """Exit code of the command line for this error (2: fix the input or the settings)."""


class ReportError(MentortrackError, RuntimeError):
    """A report run failed; the message names the step (and notebook and cell)."""


class InputError(MentortrackError, ValueError):
    """A command's input or option cannot be used (a missing folder, no sessions in the month asked for)."""
