"""A local stand-in for the Jules v1alpha API that follows the documented behaviour (and its quirks).

``Emulator`` holds the state and answers API calls; ``app.EmulatorApp`` serves it over WSGI;
``server`` runs that app on loopback in a thread; ``embedded`` backs ``julesform --emulator``.
"""

from __future__ import annotations

from julesform.emulator.clock import Clock, ManualClock, WallClock
from julesform.emulator.faults import Faults
from julesform.emulator.service import Emulator, RequestRecord
from julesform.emulator.state import Behaviour

__all__ = ["Behaviour", "Clock", "Emulator", "Faults", "ManualClock", "RequestRecord", "WallClock"]
