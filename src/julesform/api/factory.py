"""Build the client a run asks for: the embedded emulator, or a URL with a key.

Kept apart from ``client.py`` so the choice (and its errors) can be read in one place, and so the
embedded emulator is imported only when ``--emulator`` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from julesform.api.apikey import ApiKey, load_api_key
from julesform.api.endpoint import DEFAULT_API_URL, EMBEDDED_ENDPOINT, normalise_base_url
from julesform.errors import UsageError

if TYPE_CHECKING:
    from julesform.api.client import JulesClient
    from julesform.context import AppContext

# Requests to the embedded emulator never leave the process; this host only makes the URL well formed.
EMBEDDED_BASE_URL = "http://embedded.emulator.invalid/v1alpha"


def client_for(app: AppContext) -> JulesClient:
    """The client for this run; configuration errors surface here, before any request."""
    trace = app.console.debug if app.debug else None
    notice = app.console.err
    if app.emulator:
        if app.api_url:
            raise UsageError("--emulator cannot be combined with --api-url (or JULES_API_URL)")
        from julesform.api.client import JulesClient
        from julesform.emulator.embedded import EMBEDDED_API_KEY, open_embedded_app

        wsgi_app = open_embedded_app(app.state_dir / ".emulator")
        return JulesClient(
            EMBEDDED_BASE_URL,
            ApiKey(EMBEDDED_API_KEY, secret=False),
            endpoint=EMBEDDED_ENDPOINT,
            wsgi_app=wsgi_app,
            trace=trace,
            notice=notice,
        )
    base_url = normalise_base_url(app.api_url or DEFAULT_API_URL)  # refuse a bad URL before the key matters
    key = load_api_key(app.api_key_file)
    from julesform.api.client import JulesClient

    return JulesClient(base_url, key, trace=trace, notice=notice)
