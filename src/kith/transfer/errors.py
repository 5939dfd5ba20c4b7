"""The one error of the transfer package: input that cannot be imported at all."""

from __future__ import annotations


class UnusableInput(Exception):
    """Unknown object, missing or unreadable file, bad header or mapping: exit code 2.

    Raised before any row is written, so nothing is half-imported.
    """
