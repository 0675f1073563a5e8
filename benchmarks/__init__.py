"""julesform benchmarks: plan, apply and start-up against the emulator on loopback with injected
latency, each case beside its round-trip lower bound and a naive sequential script.

Run ``python -m benchmarks`` (``--quick`` for a short run); results go to ``benchmarks/README.md``.
Benchmarks are not tests: nothing here asserts a time.
"""
