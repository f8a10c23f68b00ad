"""Telling a PostgreSQL URL from an SQLite file, and showing one without its password."""

from __future__ import annotations

import re

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(text: str) -> bool:
    return text.startswith(POSTGRES_SCHEMES)


def redact_url(url: str) -> str:
    """``url`` without its password (for messages and logs); a file path as it is."""
    url = re.sub(r"(://[^:@/]*):[^@/]*@", r"\1:***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)
