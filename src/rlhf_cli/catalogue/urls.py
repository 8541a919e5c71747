"""Links as they may be handed to a browser command.

`webbrowser` runs $BROWSER without a shell, but it puts the URL in place of `%s` in each of its
words, and a wrapper such as `BROWSER="sh -c 'firefox %s'"` then hands the URL to a shell. So a
link is opened (or printed for copying) only in a form no shell acts on: http(s), no credentials,
the host in ASCII (punycode, so a look-alike host shows what it is), and every character of the
rest outside RFC 3986's unreserved set and `: / ? # [ ] @ % + , =` percent-encoded, including the
sub-delimiters a shell reads (`$ & ' ( ) * ;` and `!`).
"""

from __future__ import annotations

import string
from urllib.parse import quote, urlsplit

_KEPT = frozenset(string.ascii_letters + string.digits + "-._~" + ":/?#[]@%+,=")


class UnsafeUrl(ValueError):
    """A link that is not to be opened; the message says why."""


def browser_url(url: str) -> str:
    """`url` in a form safe to give a browser command; UnsafeUrl if it must not be opened at all."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"not a valid link ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl("not an http(s) link")
    if "@" in parts.netloc:
        raise UnsafeUrl("it carries a user name or password")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("it names no host")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeUrl("its host name is not valid") from None
    if not all(char in string.ascii_letters + string.digits + "-.:" for char in ascii_host):
        raise UnsafeUrl("its host name is not valid")
    if ":" in ascii_host:  # an IPv6 address
        ascii_host = f"[{ascii_host}]"
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    rest = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return f"{scheme}://{netloc}" + "".join(char if char in _KEPT else quote(char, safe="") for char in rest)
