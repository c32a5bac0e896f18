"""The battery rule: save power on battery below 30 % or in the system's power-saver mode.

The real sensor is :class:`SystemPower`; its battery reading and profile files are handed
in, so each case is exactly what psutil or the system would report.
"""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

import pytest

from desktop_slm.engine.power import PowerState, SystemPower

# psutil.sensors_battery()'s own shape.
Battery = namedtuple("Battery", ["percent", "secsleft", "power_plugged"])


def sensor(
    battery: object = None, *, files: tuple[Path, ...] = (), fails: bool = False
) -> SystemPower:
    def read() -> object:
        if fails:
            raise RuntimeError("the firmware said something odd")
        return battery

    return SystemPower(battery=read, profile_files=files)


@pytest.mark.parametrize(
    ("percent", "plugged", "saves"),
    [
        (29.0, False, True),
        (5, False, True),
        (0, False, True),
        (29.99, False, True),
        (30.0, False, False),  # "below 30 %"
        (80.0, False, False),
        (10.0, True, False),  # plugged in: charging, nothing to save
        (100, True, False),
        (10.0, None, False),  # psutil cannot tell whether it is plugged in: not claimed
    ],
)
def test_battery_below_30_percent_on_battery_saves_power(
    percent: float, plugged: bool | None, saves: bool
) -> None:
    state = sensor(Battery(percent, 3600, plugged)).read()
    assert state.save_power is saves
    assert state.on_battery is (plugged is False)
    if saves:
        assert state.reason() == f"on battery at {percent:.0f} %"
    else:
        assert state.reason() == ""


def test_no_battery_or_a_failing_sensor_never_saves_power_and_never_raises() -> None:
    for quiet in (sensor(None), sensor(fails=True)):
        state = quiet.read()
        assert state == PowerState()
        assert not state.save_power
        assert state.describe() == "no battery found"


@pytest.mark.parametrize("odd", [float("nan"), -5, 250, "low", True, None])
def test_an_impossible_charge_is_not_read_as_low(odd: object) -> None:
    state = sensor(Battery(odd, 10, False)).read()
    assert state.on_battery
    assert state.battery_percent is None
    assert not state.save_power
    assert state.describe() == "on battery"


def test_the_real_sensor_of_this_machine_answers() -> None:
    state = SystemPower().read()  # whatever this machine has, it is a reading
    assert isinstance(state, PowerState)
    assert state.describe()


@pytest.mark.parametrize(
    ("name", "content", "saves"),
    [
        ("platform_profile", "low-power\n", True),
        ("platform_profile", "balanced\n", False),
        ("platform_profile", "performance", False),
        ("platform_profile", "", False),
        ("state.ini", "[State]\nDriver=platform_profile\nProfile=power-saver\n", True),
        ("state.ini", "[State]\nDriver=placeholder\nProfile=balanced\n", False),
        ("state.ini", "[State]\nProfile = power-saver\n", True),
        ("state.ini", "[State]\nDriver=power-saver\n", False),
        ("platform_profile", "low-power" + " " * 5000, False),  # not a profile file
        ("platform_profile", b"\xff\xfe\x00low", False),
    ],
)
def test_power_saver_mode_is_read_from_the_systems_profile(
    tmp_path: Path, name: str, content: str | bytes, saves: bool
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    plugged = Battery(90.0, -2, True)
    state = sensor(plugged, files=(tmp_path / "missing", path)).read()
    assert state.power_saver is saves
    assert state.save_power is saves
    assert state.reason() == ("in power-saver mode" if saves else "")


def test_an_unreadable_profile_is_not_known(tmp_path: Path) -> None:
    folder = tmp_path / "platform_profile"
    folder.mkdir()  # reading a folder fails: the profile is not known
    state = sensor(None, files=(folder,)).read()
    assert not state.power_saver


def test_power_saver_mode_saves_power_even_plugged_in_and_describes_itself(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "platform_profile"
    profile.write_text("low-power\n", encoding="utf-8")
    state = sensor(Battery(100, -2, True), files=(profile,)).read()
    assert state.save_power
    assert state.describe() == "in power-saver mode"
    assert PowerState(on_battery=False, battery_percent=55).describe() == (
        "plugged in (55 % charged)"
    )
    assert PowerState(on_battery=True, battery_percent=55).describe() == "on battery at 55 %"
    low = PowerState(on_battery=True, battery_percent=12, power_saver=True)
    assert low.reason() == "on battery at 12 %"
