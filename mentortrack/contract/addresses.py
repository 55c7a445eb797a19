"""E-mail addresses checked when loaded, so an invalid one is never a recipient.

Uses the maintained ``email-validator`` package for the syntax rules (RFC 5322
local parts, internationalised domains) without any network look-up.
"""

from __future__ import annotations

import re
from functools import lru_cache

PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                           r"[A-Za-z]{2,63}")
"""A strict subset of valid addresses (ASCII, dot-atoms, letters-only top-level domain): accepted
without the full check, which costs about 75 µs an address."""


@lru_cache(maxsize=65536)
def address_problem(value: str) -> str | None:
    """Why ``value`` cannot be used as an e-mail address, or None when it can.

    >>> address_problem("learner_126@gmail.com") is None
    True
    >>> address_problem("x@y.com Bcc: other@z.com") is not None
    True
    """
    from email_validator import EmailNotValidError, validate_email

    if any(ch in value for ch in "\r\n\t"):
        return "contains a line break or tab"
    local, _, domain = value.rpartition("@")
    if PLAIN_ADDRESS.fullmatch(value) and len(local) <= 64 and len(value) <= 254:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as err:
        return str(err)
    return None


def is_valid(value: object) -> bool:
    """True for a usable e-mail address (a string that passes :func:`address_problem`)."""
    return isinstance(value, str) and address_problem(value.strip()) is None
