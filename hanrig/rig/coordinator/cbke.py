"""The NCP's CBKE library, driven through bellows: the EZSP frames of UG100 section 11.

bellows 1.2.1 defines these frames but has no key establishment of its own, and zigpy has
no radio-independent interface for it: CBKE is an EmberZNet library on the NCP, so this is
the one part of the rig that speaks EZSP through bellows' API rather than zigpy's. The
NCP holds the CH's certificate and private key; the host only ever sees the certificate,
the ephemeral public keys and the MACs. generateCbkeKeys and calculateSmacs answer with
a status and send their result in a callback, which this waits for with a timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bellows.types as t

from hanrig.cbke.agreement import Credentials
from hanrig.rig.coordinator.eui import eui_text
from hanrig.rig.errors import InfrastructureError

LOG = logging.getLogger(__name__)

#: seconds to wait for a CBKE callback: an NCP without hardware acceleration takes seconds for sect283k1
CALLBACK_TIMEOUT = 30.0


@dataclass(frozen=True)
class SuiteFrames:
    """The EZSP frame names of one crypto suite."""

    suite: int
    get_certificate: str
    generate_keys: str
    generate_keys_handler: str
    calculate_smacs: str
    calculate_smacs_handler: str
    clear: str


FRAMES = {
    1: SuiteFrames(1, "getCertificate", "generateCbkeKeys", "generateCbkeKeysHandler", "calculateSmacs",
                   "calculateSmacsHandler", "clearTemporaryDataMaybeStoreLinkKey"),
    2: SuiteFrames(2, "getCertificate283k1", "generateCbkeKeys283k1", "generateCbkeKeysHandler283k1",
                   "calculateSmacs283k1", "calculateSmacsHandler283k1", "clearTemporaryDataMaybeStoreLinkKey283k1"),
}


class CbkeFailed(Exception):
    """The NCP refused a CBKE step or did not finish it in time: the exchange cannot go on."""


class NcpCbke:
    """CBKE on the NCP behind the running bellows application (looked up on every call: it may reconnect)."""

    def __init__(self, application: Callable[[], Any]) -> None:
        self._application = application
        self._registered: set[int] = set()
        self._waiting: dict[str, asyncio.Future[list[Any]]] = {}

    def _ezsp(self) -> Any:
        ezsp = getattr(self._application(), "_ezsp", None)
        if ezsp is None:
            raise InfrastructureError("the radio is not a Silicon Labs EZSP NCP: hanrig runs CBKE through "
                                      "EmberZNet's CBKE library")
        if id(ezsp) not in self._registered:
            ezsp.add_callback(self._callback)
            self._registered.add(id(ezsp))
        return ezsp

    def _callback(self, frame_name: str, args: list[Any]) -> None:
        waiting = self._waiting.pop(frame_name, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(list(args))

    async def _command(self, name: str, **params: Any) -> list[Any]:
        try:
            return list(await getattr(self._ezsp(), name)(**params))
        except InfrastructureError:
            raise
        except Exception as exc:  # bellows raises several kinds for a frame the NCP does not take
            raise CbkeFailed(f"{name}: {exc}") from None

    async def _with_callback(self, name: str, handler: str, timeout: float, **params: Any) -> list[Any]:
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._waiting[handler] = future
        try:
            status, *_ = await self._command(name, **params)
            if status not in (t.EmberStatus.SUCCESS, t.EmberStatus.OPERATION_IN_PROGRESS):
                raise CbkeFailed(f"{name} answered {_name(status)}")
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise CbkeFailed(f"no {handler} within {timeout:.0f} s") from None
        finally:
            self._waiting.pop(handler, None)

    async def certificate(self, suite: int) -> bytes | None:
        """The CH's own implicit certificate for ``suite``, or None if the NCP holds no CBKE data for it."""
        status, certificate = await self._command(FRAMES[suite].get_certificate)
        return bytes(certificate) if status == t.EmberStatus.SUCCESS else None

    async def generate_keys(self, suite: int, *, timeout: float = CALLBACK_TIMEOUT) -> bytes:
        """A new ephemeral key pair on the NCP; its public key."""
        frames = FRAMES[suite]
        status, public_key = await self._with_callback(frames.generate_keys, frames.generate_keys_handler, timeout)
        if status != t.EmberStatus.SUCCESS:
            raise CbkeFailed(f"{frames.generate_keys_handler} reported {_name(status)}")
        return bytes(public_key)

    async def calculate_smacs(self, suite: int, *, initiator: bool, partner_certificate: bytes,
                              partner_ephemeral: bytes, timeout: float = CALLBACK_TIMEOUT) -> tuple[bytes, bytes]:
        """(initiator's MAC, responder's MAC) as the NCP computes them from the partner's data."""
        frames = FRAMES[suite]
        status, initiator_mac, responder_mac = await self._with_callback(
            frames.calculate_smacs, frames.calculate_smacs_handler, timeout, amInitiator=initiator,
            partnerCertificate=list(partner_certificate), partnerEphemeralPublicKey=list(partner_ephemeral))
        if status != t.EmberStatus.SUCCESS:
            raise CbkeFailed(f"{frames.calculate_smacs_handler} reported {_name(status)}")
        return bytes(initiator_mac), bytes(responder_mac)

    async def finish(self, suite: int, *, store_link_key: bool) -> None:
        """Forget the exchange's temporary data, storing the derived link key for the partner if asked."""
        status, *_ = await self._command(FRAMES[suite].clear, storeLinkKey=store_link_key)
        if status != t.EmberStatus.SUCCESS:
            raise CbkeFailed(f"{FRAMES[suite].clear} answered {_name(status)}")

    async def eui64(self) -> str:
        """The NCP's own EUI-64, as 16 hex digits."""
        (eui64,) = await self._command("getEui64")
        return eui_text(eui64)

    async def install(self, held: Credentials) -> None:
        """Write one suite's CA public key, certificate and private key (UG100; the values are never logged).

        Suite 2 goes through setValue and savePreinstalledCbkeData283k1, suite 1 through
        setPreinstalledCbkeData. On a physical NCP these are manufacturing tokens.
        """
        key = list(held.suite.curve.encode_scalar(held.private_key))
        if held.suite.id == 1:
            (status,) = await self._command("setPreinstalledCbkeData", caPublic=list(held.ca_public_key),
                                            myCert=list(held.certificate), myKey=key)
        else:
            for value_id, value in ((t.EzspValueId.VALUE_CERTIFICATE_283K1, held.certificate),
                                    (t.EzspValueId.VALUE_PUBLIC_KEY_283K1, held.ca_public_key),
                                    (t.EzspValueId.VALUE_PRIVATE_KEY_283K1, bytes(key))):
                (value_status,) = await self._command("setValue", valueId=value_id, value=value)
                if value_status != t.EzspStatus.SUCCESS:
                    raise CbkeFailed(f"setValue {value_id.name} answered {_name(value_status)}")
            (status,) = await self._command("savePreinstalledCbkeData283k1")
        if status != t.EmberStatus.SUCCESS:
            raise CbkeFailed(f"the NCP answered {_name(status)}")


def _name(status: Any) -> str:
    return getattr(status, "name", str(status))
