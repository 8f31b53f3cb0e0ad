"""bellows' sends left running that fail on a closed link are logged quietly; every other orphan is still reported."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from hanrig.rig.coordinator.orphan_tasks import quiet_closed_link_sends


class NcpFailure(Exception):
    """Stands in for ``bellows.ash.NcpFailure``, raised on a write to a closing transport."""


class ProtocolHandler:
    """Stands in for bellows' class: the handler goes by the coroutine's qualified name."""

    async def _send_fragment_ack(self) -> None:
        raise RuntimeError("Connection has been closed")

    async def _send_fragment_ack_on_a_closing_transport(self) -> None:
        raise NcpFailure("Transport is closed, cannot send frame")

    async def _send_something_else(self) -> None:
        raise RuntimeError("Connection has been closed")


class AshProtocol:
    async def _send_data_frame(self) -> None:
        raise RuntimeError("Connection has been closed")


def _orphan(coroutine_name: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Run a failing task nobody awaits, collect it, and say what asyncio reported."""
    async def main() -> None:
        quiet_closed_link_sends(asyncio.get_running_loop())
        owner = AshProtocol() if coroutine_name == "_send_data_frame" else ProtocolHandler()
        coroutine = getattr(owner, coroutine_name)()
        if coroutine_name == "_send_fragment_ack_on_a_closing_transport":
            coroutine.__qualname__ = "ProtocolHandler._send_fragment_ack"  # what bellows' coroutine is called
        task = asyncio.get_running_loop().create_task(coroutine)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        del task
        gc.collect()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(main())
    return [f"{record.levelname} {record.name}" for record in caplog.records]


@pytest.mark.parametrize("coroutine_name",
                         ["_send_fragment_ack", "_send_fragment_ack_on_a_closing_transport", "_send_data_frame"])
def test_a_send_left_running_that_fails_on_a_closed_link_is_only_a_debug_line(
        caplog: pytest.LogCaptureFixture, coroutine_name: str) -> None:
    reported = _orphan(coroutine_name, caplog)
    assert "DEBUG hanrig.rig.coordinator.orphan_tasks" in reported and "ERROR asyncio" not in reported


def test_any_other_orphaned_failure_still_reaches_asyncios_handler(caplog: pytest.LogCaptureFixture) -> None:
    assert "ERROR asyncio" in _orphan("_send_something_else", caplog)
