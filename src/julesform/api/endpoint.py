"""The API base URL: its default, its normal form (recorded in lockfiles), and what is refused.

Plain ``http://`` would send the key in clear text, so it is allowed only to loopback, where the
emulator runs. A URL carrying credentials or a query is refused too: the endpoint is written into
lockfiles and plan files, and must never hold a secret.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from julesform.api.errors import ConfigError

DEFAULT_API_URL = "https://jules.googleapis.com/v1alpha"
EMBEDDED_ENDPOINT = "emulator:embedded"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost`` (names other than localhost are not trusted to resolve locally)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str) -> str:
    """``url`` checked and without a trailing slash, e.g. ``https://jules.googleapis.com/v1alpha``."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise ConfigError(f"the API URL {text!r} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ConfigError(f"the API URL {text!r} must start with https:// and name a host")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ConfigError(
            "the API URL must not carry credentials, a query or a fragment; "
            "pass the key through JULES_API_KEY or --api-key-file"
        )
    if scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"refusing plain http:// to {host}: the API key would travel unencrypted; "
            "use https:// (http:// is allowed only to 127.0.0.1, ::1 or localhost)"
        )
    return f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
