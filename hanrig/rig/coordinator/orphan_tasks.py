"""bellows' fire-and-forget tasks that fail when the link closes, kept out of the user's way.

bellows 1.2.1 acknowledges each incoming APS fragment from a task nobody awaits
(``ProtocolHandler._send_fragment_ack``). When the rig shuts the radio down while one is
in flight, the task fails with ``Connection has been closed`` and asyncio prints a
"Task exception was never retrieved" traceback when it is collected. That ack is moot
once the link is gone, so such a failure is logged at debug level; every other
unretrieved exception still goes to asyncio's handler.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

LOG = logging.getLogger(__name__)

#: the bellows coroutine whose failure on a closed link is expected
_FRAGMENT_ACK = "ProtocolHandler._send_fragment_ack"


def quiet_closed_link_acks(loop: asyncio.AbstractEventLoop) -> None:
    """Handle ``loop``'s unretrieved exceptions, quietly for bellows' fragment acks on a closed link."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _is_closed_link_ack(context):
            LOG.debug("bellows could not acknowledge a fragment: the link was closing (%s)", context["exception"])
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def _is_closed_link_ack(context: dict[str, Any]) -> bool:
    task, exception = context.get("future"), context.get("exception")
    return (isinstance(task, asyncio.Task) and getattr(task.get_coro(), "__qualname__", "") == _FRAGMENT_ACK
            and isinstance(exception, RuntimeError) and "Connection has been closed" in str(exception))
