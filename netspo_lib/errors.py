"""Typed errors whose message is Russian and meant for the user.

The CLI turns any ``NetspoError`` into its message and exit code 1; dashboards show it
in a message box. Anything else is a bug.
"""

from __future__ import annotations


class NetspoError(Exception):
    """Base of every error the user is meant to read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DataRefused(NetspoError):
    """The database refused a write (a constraint); the message says which rule."""
