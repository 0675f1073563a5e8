"""The Jules REST API edge: wire models, the HTTP client (the only module importing httpx), errors."""
