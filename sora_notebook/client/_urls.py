"""A key written into a base URL (`https://user:KEY@host/v1`, `...?api-key=KEY`) is taken
out of it, so it travels only in the auth header and never in a repr, label or log line."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from sora_notebook.errors import ValidationError

__all__ = ["KEY_PARAMS", "split_credentials"]

#: Query parameters that carry a key.
KEY_PARAMS = frozenset(
    {"api-key", "api_key", "apikey", "key", "token", "access_token", "x-api-key", "auth"}
)


def split_credentials(url: str) -> tuple[str, str | None]:
    """(the URL without credentials, the key it held or None).

    A password (or a lone user name) in the URL and a key-named query parameter are
    keys; any other query is refused, since a path is appended to the base URL.
    """
    parts = urlsplit(url)
    keys: list[str] = []
    if parts.username is not None or parts.password is not None:
        secret = parts.password or parts.username
        if secret:
            keys.append(unquote(secret))  # user:pass@ is percent-encoded (RFC 3986)
    if parts.query:
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name.lower() not in KEY_PARAMS:
                # a bare `?sk-...` is a key pasted as a name: name only what has a value
                shown = f" {name[:40]!r}" if value and len(name) <= 40 else ""
                raise ValidationError(
                    f"The base URL has a query parameter{shown}; a base URL ends at the "
                    "API root (e.g. http://host:8000/v1). Pass a key as api_key= instead.",
                    param="base_url",
                )
            if value:
                keys.append(value)
    if len(set(keys)) > 1:
        raise ValidationError(
            "The base URL holds two different keys (in user:password@ and in the query). "
            "Pass one key as api_key= and a base URL without credentials.",
            param="base_url",
        )
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, "", ""))
    return clean, (keys[0] if keys else None)
