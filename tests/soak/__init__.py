"""The fault-injection soak (issue 8): ``python tests/soak/harness.py --help``."""
