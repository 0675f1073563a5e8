"""Plan renderers, one per audience: text (a terminal), json (machines), markdown (a pull request)."""
