"""What a session delivered, measured from its final patch: pure functions, no network, no files.

``diff`` reads a unified diff, ``tests`` finds test functions and skip markers per language, and
``measure`` compares a delivery with what the category promised (``tests`` and ``deliverables``).
"""
