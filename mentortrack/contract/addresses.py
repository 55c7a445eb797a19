"""E-mail addresses checked when loaded, so an invalid one is never a recipient.

Uses the maintained ``email-validator`` package for the syntax rules (RFC 5322
local parts, internationalised domains) without any network look-up.
"""

from __future__ import annotations

from functools import lru_cache


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
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as err:
        return str(err)
    return None


def is_valid(value: object) -> bool:
    """True for a usable e-mail address (a string that passes :func:`address_problem`)."""
    return isinstance(value, str) and address_problem(value.strip()) is None
