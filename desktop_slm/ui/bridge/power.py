"""The power sensor for the window: read off the GUI thread every minute, changes as a signal.

:meth:`PowerBridge.background_allowed` is what work nobody asked for (preparing the
answer while the user pauses, inline suggestions) asks before it starts: not while
saving power (``engine.power``), unless Preferences says to go on anyway
(``Settings.prepare_on_battery``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_slm.config import Settings
from desktop_slm.engine.power import PowerSensor, PowerState
from desktop_slm.ui.bridge.background import Background, Failure

log = logging.getLogger(__name__)

POLL_MS = 60_000
"""A battery drains by well under a percent a minute while the app waits."""


class PowerBridge(QObject):
    """``changed(PowerState)`` when the sensor reads something new."""

    changed = Signal(object)

    def __init__(self, sensor: PowerSensor, settings: Settings, parent: QObject) -> None:
        super().__init__(parent)
        self._sensor = sensor
        self._settings = settings
        self._state = PowerState()  # not known yet: nothing is held back
        self._reading = False
        self._background = Background(self)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self.check()

    @property
    def state(self) -> PowerState:
        return self._state

    def paused(self) -> bool:
        """True while background model work waits to save power."""
        return self._state.save_power and not self._settings.prepare_on_battery

    def background_allowed(self) -> bool:
        """Whether work the user did not ask for may use the model now."""
        return not self.paused()

    def check(self) -> None:
        """Read the sensor now (off the GUI thread); ``changed`` follows if it differs."""
        if self._reading:
            return
        self._reading = True
        self._background.start(
            self._sensor.read,
            name="power-sensor",
            what_failed="Reading the battery failed",
            done=self._read,
            failed=self._failed,
        )

    def _read(self, state: PowerState) -> None:
        self._reading = False
        if state != self._state:
            log.info("power: %s", state)
            self._state = state
            self.changed.emit(state)

    def _failed(self, _failure: Failure) -> None:
        self._reading = False  # logged by Background; the last reading stands

    def close(self) -> None:
        self._timer.stop()
        self._background.close()
