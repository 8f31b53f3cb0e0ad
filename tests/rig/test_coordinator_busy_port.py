"""A port still locked by the connection just closed is opened on a later try; one held for good is exit 3."""

from __future__ import annotations

from typing import Any

import pytest

from hanrig.rig.coordinator import coordinator as module
from hanrig.rig.coordinator.coordinator import Coordinator, RadioSettings
from hanrig.rig.errors import InfrastructureError


class _Requests:
    pass


def _app_class(busy_opens: int) -> type:
    class FakeApplication:
        """A zigpy application whose port is locked for the first ``busy_opens`` tries."""

        attempts = 0

        def __init__(self, config: dict[str, Any]) -> None:
            self.config = config

        @classmethod
        async def new(cls, config: dict[str, Any], *, start_radio: bool) -> FakeApplication:
            assert not start_radio  # the coordinator starts it, trying again while the port is busy
            return cls(config)

        async def startup(self, *, auto_form: bool) -> None:
            type(self).attempts += 1
            if type(self).attempts <= busy_opens:
                raise PermissionError("The serial port is locked by another application")

    return FakeApplication


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_BUSY_PORT_PAUSE", 0)


async def test_a_port_locked_for_a_moment_is_opened_on_a_later_try(monkeypatch: pytest.MonkeyPatch,
                                                                    no_pause: None) -> None:
    fake = _app_class(busy_opens=2)
    monkeypatch.setattr(module, "application_class", lambda radio: fake)

    app = await Coordinator(RadioSettings(path="/dev/ttyFAKE"), _Requests())._started(form=False)  # type: ignore[arg-type]

    assert isinstance(app, fake) and fake.attempts == 3


async def test_a_port_held_by_another_process_is_infrastructure_trouble(monkeypatch: pytest.MonkeyPatch,
                                                                         no_pause: None) -> None:
    fake = _app_class(busy_opens=100)
    monkeypatch.setattr(module, "application_class", lambda radio: fake)

    with pytest.raises(InfrastructureError, match="/dev/ttyFAKE unreachable: .*locked by another application"):
        await Coordinator(RadioSettings(path="/dev/ttyFAKE"), _Requests())._started(form=False)  # type: ignore[arg-type]
    assert fake.attempts == module._BUSY_PORT_ATTEMPTS
