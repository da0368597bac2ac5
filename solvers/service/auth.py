"""Bearer tokens of the solve service, kept only as SHA-256 digests.

A client sends ``Authorization: Bearer TOKEN``. The server never holds the tokens themselves:
it reads, from a file or an environment variable, one line per token::

    # NAME  SHA256-OF-THE-TOKEN (64 hex digits)
    planning  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    control   60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752

Blank lines and lines starting with ``#`` are skipped. ``NAME`` (letters, digits, ``_.-``)
owns the jobs submitted with that token: a token sees only the jobs of its name. Tokens are
long random strings (``wdnopt serve --new-token NAME`` makes one), so one SHA-256 without salt
is enough: finding a token from its digest means guessing 256 random bits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from wdnopt.models.errors import InputError, Problem

TOKEN_ENV = "WDNOPT_TOKENS"
"""Environment variable holding token lines (the same format as the file) when no file is
given; lines may also be separated by ``;``."""

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")


def digest(token: str) -> str:
    """The SHA-256 of a token, in hex: what a token file holds."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Tokens:
    """Digest → owner name, for every accepted token."""

    owners: dict[str, str]

    def owner(self, token: str | None) -> str | None:
        """The name owning ``token``, or None for a missing or unknown token."""
        if not token:
            return None
        given = digest(token)
        found = None
        for known, name in self.owners.items():  # compare all, in constant time each
            if hmac.compare_digest(known, given):
                found = name
        return found


def parse_tokens(text: str, *, where: str) -> Tokens:
    """Read token lines; :class:`InputError` naming ``where`` and the line for a bad one."""
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        field = f"line {number}"
        if len(parts) != 2:
            problems.append(
                Problem(
                    field, "NAME and the SHA-256 of the token, separated by a space", None, where
                )
            )
            continue
        name, hexdigest = parts
        if not _NAME.match(name):
            problems.append(
                Problem(field, "a name of letters, digits, '_', '.', '-'", repr(name), where)
            )
        elif not _DIGEST.match(hexdigest):
            problems.append(
                Problem(
                    field,
                    "the SHA-256 of the token: 64 hexadecimal digits (never the token itself)",
                    f"{len(hexdigest)} characters",
                    where,
                )
            )
        elif hexdigest.lower() in owners:
            problems.append(Problem(field, "each token once", "a repeated digest", where))
        else:
            owners[hexdigest.lower()] = name
    if problems:
        raise InputError(problems)
    if not owners:
        raise InputError.single("at least one token line (NAME SHA256)", file=where)
    return Tokens(owners)


def load_tokens(path: str | Path | None, environ: dict[str, str]) -> Tokens:
    """The tokens of a file, else of the ``WDNOPT_TOKENS`` variable; one of them is required."""
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise InputError.single("an existing token file", field="--tokens", got=str(path))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.single(f"a readable UTF-8 token file ({exc})", file=path) from None
        return parse_tokens(text, where=str(path))
    text = environ.get(TOKEN_ENV)
    if text is None:
        raise InputError.single(
            f"a token file (--tokens FILE) or the {TOKEN_ENV} environment variable: the "
            "service answers only requests with a bearer token",
            field="--tokens",
            got="neither",
        )
    return parse_tokens(text, where=f"${TOKEN_ENV}")
