"""Whether to save power: on battery below 30 % or in the system's power-saver mode.

Work the user did not ask for (preparing an answer while they pause typing, inline
suggestions) keeps the processor busy; on a laptop running on a low battery, or one
the user has put into power-saver mode, it waits. :class:`SystemPower` is the real
sensor: psutil's battery reading, and where the system exposes it without a service
call, its power-saver mode (Linux: ``/sys/firmware/acpi/platform_profile`` reading
``low-power``, or power-profiles-daemon's saved ``Profile=power-saver``; Windows:
battery saver). Every reading is bounded (a few small files, one system call), and
anything missing, unreadable or odd means "not known", never an error. Tests pass
their own :class:`PowerSensor`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

LOW_BATTERY_PERCENT = 30.0
"""Below this charge, on battery, power is saved."""

PLATFORM_PROFILE = Path("/sys/firmware/acpi/platform_profile")
"""The firmware's power profile on Linux; ``low-power`` is its power-saver setting."""
PPD_STATE = Path("/var/lib/power-profiles-daemon/state.ini")
"""power-profiles-daemon's saved profile (readable by everyone; D-Bus is not needed)."""
PROFILE_FILES: tuple[Path, ...] = (PLATFORM_PROFILE, PPD_STATE)

_MAX_READ = 4096
"""No profile file is longer; a longer one is not what we think it is."""


@dataclass(frozen=True)
class PowerState:
    """What the power sensors said."""

    on_battery: bool = False
    """Running on battery (False when plugged in, with no battery, or not known)."""
    battery_percent: float | None = None
    """The battery's charge, 0-100 (None: no battery, or not known)."""
    power_saver: bool = False
    """The system's power-saver mode is on."""

    @property
    def low_battery(self) -> bool:
        return (
            self.on_battery
            and self.battery_percent is not None
            and self.battery_percent < LOW_BATTERY_PERCENT
        )

    @property
    def save_power(self) -> bool:
        """True: work nobody asked for should wait."""
        return self.low_battery or self.power_saver

    def reason(self) -> str:
        """Why power is saved, to follow "the computer is" ("" when it is not)."""
        if self.low_battery and self.battery_percent is not None:
            return f"on battery at {self.battery_percent:.0f} %"
        if self.power_saver:
            return "in power-saver mode"
        return ""

    def describe(self) -> str:
        """The state in a few words, for Preferences."""
        if self.save_power:
            return self.reason()
        if self.on_battery and self.battery_percent is not None:
            return f"on battery at {self.battery_percent:.0f} %"
        if self.on_battery:
            return "on battery"
        if self.battery_percent is not None:
            return f"plugged in ({self.battery_percent:.0f} % charged)"
        return "no battery found"


class PowerSensor(Protocol):
    """Anything that can say how the computer is powered."""

    def read(self) -> PowerState: ...


BatteryReader = Callable[[], object]
"""Returns psutil's ``sbattery`` (``percent``, ``power_plugged``) or None for no battery."""


def _psutil_battery() -> object:
    import psutil  # imported when first read: the window's first paint does not need it

    reader = getattr(psutil, "sensors_battery", None)  # absent on some platforms
    return reader() if reader is not None else None


class SystemPower:
    """The real sensor; ``battery`` and ``profile_files`` can be pointed elsewhere."""

    def __init__(
        self,
        *,
        battery: BatteryReader = _psutil_battery,
        profile_files: Sequence[Path] = PROFILE_FILES,
    ) -> None:
        self._battery = battery
        self._profile_files = tuple(profile_files)

    def read(self) -> PowerState:
        on_battery, percent = self._read_battery()
        return PowerState(on_battery, percent, self._power_saver())

    def _read_battery(self) -> tuple[bool, float | None]:
        try:
            reading = self._battery()
        except Exception as exc:  # psutil raises on odd firmware; never fatal
            log.debug("no battery reading: %s", exc)
            return False, None
        if reading is None:
            return False, None
        percent = getattr(reading, "percent", None)
        if (
            isinstance(percent, bool)
            or not isinstance(percent, int | float)
            or not 0 <= percent <= 100
        ):
            percent = None
        # power_plugged None: psutil cannot tell; then we do not claim "on battery".
        plugged = getattr(reading, "power_plugged", None)
        return plugged is False, None if percent is None else float(percent)

    def _power_saver(self) -> bool:
        if any(_profile_says_saver(path) for path in self._profile_files):
            return True
        if sys.platform == "win32":
            try:
                return _windows_battery_saver()
            except (OSError, AttributeError):
                return False
        return False


def _profile_says_saver(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_READ + 1)
    except OSError:  # absent (most systems), or not readable: not known
        return False
    if len(raw) > _MAX_READ:
        return False
    text = raw.decode("utf-8", "replace")
    if path.suffix == ".ini":
        return any(
            line.strip().replace(" ", "").lower() == "profile=power-saver"
            for line in text.splitlines()
        )
    return text.strip().lower() == "low-power"


def _windows_battery_saver() -> bool:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    class SystemPowerStatus(ctypes.Structure):
        _fields_ = [
            ("ACLineStatus", ctypes.c_ubyte),
            ("BatteryFlag", ctypes.c_ubyte),
            ("BatteryLifePercent", ctypes.c_ubyte),
            ("SystemStatusFlag", ctypes.c_ubyte),  # 1: battery saver is on
            ("BatteryLifeTime", wintypes.DWORD),
            ("BatteryFullLifeTime", wintypes.DWORD),
        ]

    status = SystemPowerStatus()
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
    if not kernel32.GetSystemPowerStatus(ctypes.byref(status)):
        return False
    return bool(status.SystemStatusFlag == 1)
