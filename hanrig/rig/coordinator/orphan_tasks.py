"""bellows' fire-and-forget tasks that fail when the link closes, kept out of the user's way.

bellows 1.2.1 leaves two kinds of task that nobody may await when the link closes:
``ProtocolHandler._send_fragment_ack`` (it acknowledges each incoming APS fragment from a
task of its own) and ``AshProtocol._send_data_frame`` (``send_data`` shields it, so a caller
cancelled by an interrupt leaves it running alone). When the rig shuts the radio down while
one is in flight, it fails (``RuntimeError: Connection has been closed`` if the link closed
under it, ``NcpFailure: Transport is closed`` if it tried to write on a closing one) and
asyncio prints a "Task exception was never retrieved" traceback when it is collected. What they sent is moot once
the link is gone, so such a failure is logged at debug level; every other unretrieved
exception still goes to asyncio's handler.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

LOG = logging.getLogger(__name__)

#: the bellows coroutines whose failure on a closed link is expected
_LEFT_RUNNING = ("ProtocolHandler._send_fragment_ack", "AshProtocol._send_data_frame")
#: how bellows 1.2.1 words a closed link (``ash.py``)
_CLOSED_LINK = ("Connection has been closed", "Transport is closed")


def quiet_closed_link_sends(loop: asyncio.AbstractEventLoop) -> None:
    """Handle ``loop``'s unretrieved exceptions, quietly for bellows' sends left running on a closed link."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _is_closed_link_send(context):
            LOG.debug("bellows could not finish %s: the link was closing (%s)",
                      context["future"].get_coro().__qualname__, context["exception"])
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def _is_closed_link_send(context: dict[str, Any]) -> bool:
    task, exception = context.get("future"), context.get("exception")
    return (isinstance(task, asyncio.Task) and getattr(task.get_coro(), "__qualname__", "") in _LEFT_RUNNING
            and isinstance(exception, Exception) and any(words in str(exception) for words in _CLOSED_LINK))
