"""The API key: where it comes from, and a holder that cannot leak it by being printed.

The key lives in an ``ApiKey`` whose ``repr``/``str`` are redacted, so it does not show up in a
traceback's locals, a debug dump of the client, or an f-string by mistake. ``redact`` scrubs it out
of any text that came from elsewhere (server messages, exception text) before that text is shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from julesform.api.errors import MISSING_KEY_MESSAGE, AuthError, ConfigError

REDACTED = "<redacted>"
ENV_VAR = "JULES_API_KEY"


class ApiKey:
    """A secret string that only ``reveal()`` gives back.

    ``secret=False`` is for the embedded emulator's fixed, public key: scrubbing a common word like
    its value out of every message would only mangle them.
    """

    __slots__ = ("_secret", "_value")

    def __init__(self, value: str, *, secret: bool = True) -> None:
        if not value or any(not (33 <= ord(c) <= 126) for c in value):
            # The value itself must not appear here: it may be a key pasted with a stray character.
            raise ConfigError(
                "the API key contains spaces or characters a key cannot have; check JULES_API_KEY "
                "or the --api-key-file contents"
            )
        self._value = value
        self._secret = secret

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        return text.replace(self._value, REDACTED) if self._secret else text

    def __repr__(self) -> str:
        return f"ApiKey({REDACTED})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an ApiKey cannot be pickled")


def load_api_key(key_file: Path | None, environ: Mapping[str, str] | None = None) -> ApiKey:
    """The key from ``--api-key-file`` if given (it wins over the environment), else ``JULES_API_KEY``."""
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise ConfigError(f"cannot read the API key file {key_file}: {reason}") from None
        value = text.strip()
        if not value:
            raise ConfigError(f"the API key file {key_file} is empty")
        return ApiKey(value)
    env: Mapping[str, str] = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    if not value:
        raise AuthError(MISSING_KEY_MESSAGE)
    return ApiKey(value)
