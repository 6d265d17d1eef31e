"""Who is who: every contact belongs to one person.

Contacts with the same normalised e-mail (trimmed, lower-cased) are merged automatically, across
sources and across accounts of the same tool. The owner can merge persons by hand and undo any
merge (split); both go into the merge log with reason and time.
"""

from __future__ import annotations


def normalise_email(email: str | None) -> str | None:
    """Trim and lower-case; empty becomes ``None``."""
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None
