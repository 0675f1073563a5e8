"""julesform: declarative plan/apply for fleets of Google Jules coding-agent sessions."""

__version__ = "0.1.0"
