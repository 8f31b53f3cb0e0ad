"""CBKE frames (UG100 section 11): the NCP's certificate, ephemeral keys, SMACs and the derived link key.

generateCbkeKeys and calculateSmacs answer at once with the status of the request and
send their results in a callback, as EmberZNet's CBKE library does. Without credentials
for a suite the NCP answers as firmware built without them (LIBRARY_NOT_PRESENT)
[inferred: Silicon Labs documents the status, not when an empty token yields it].
"""

from __future__ import annotations

from typing import Any

from construct import Container

from hanrig.cbke.agreement import Credentials
from hanrig.cbke.errors import CbkeError
from hanrig.cbke.suites import SUITE_1, SUITE_2, CryptoSuite, SuiteId
from hanrig.devices.radio.cbke import CBKE_CALLBACK_DELAY
from hanrig.devices.radio.ezsp.handlers.registry import handles
from hanrig.devices.radio.ezsp.handlers.security import key_table_slot
from hanrig.devices.radio.ezsp.types import EmberStatus, ValueId
from hanrig.devices.radio.ncp import Ncp
from hanrig.devices.radio.nvm import LinkKey

_NO_SMAC = bytes(16)
_CALLBACKS = {
    SuiteId.SUITE_1: ("generateCbkeKeysHandler", "calculateSmacsHandler"),
    SuiteId.SUITE_2: ("generateCbkeKeysHandler283k1", "calculateSmacsHandler283k1"),
}


def _scalars(ncp: Ncp) -> Any:
    random = ncp.faults.random.stream("ncp/cbke")
    return lambda order: random.randrange(1, order)


def _generate(ncp: Ncp, suite: CryptoSuite) -> dict[str, Any]:
    key = ncp.cbke.generate(suite.id, _scalars(ncp))
    if key is None:
        return {"status": EmberStatus.LIBRARY_NOT_PRESENT}
    ncp.events.emit("ncp", "cbke_keys_generated", suite=int(suite.id))
    name = _CALLBACKS[suite.id][0]
    ncp.scheduler.call_later(CBKE_CALLBACK_DELAY, lambda: ncp.callback(
        name, status=EmberStatus.SUCCESS, ephemeral_public_key=key.public_key))
    return {"status": EmberStatus.SUCCESS}


def _calculate(ncp: Ncp, suite: CryptoSuite, p: Container) -> dict[str, Any]:
    if suite.id not in ncp.cbke.ephemeral:
        return {"status": EmberStatus.INVALID_CALL}
    agreement = ncp.cbke.calculate(suite.id, initiator=p.am_initiator, partner_certificate=bytes(p.partner_certificate),
                                   partner_ephemeral=bytes(p.partner_ephemeral_public_key))
    name = _CALLBACKS[suite.id][1]
    if agreement is None:
        fields: dict[str, Any] = {"status": EmberStatus.ERR_FATAL, "initiator_smac": _NO_SMAC,
                                  "responder_smac": _NO_SMAC}
    else:
        fields = {"status": EmberStatus.SUCCESS, "initiator_smac": agreement.initiator_mac,
                  "responder_smac": agreement.responder_mac}
    ncp.events.emit("ncp", "cbke_smacs", suite=int(suite.id), status=fields["status"].name)
    ncp.scheduler.call_later(CBKE_CALLBACK_DELAY, lambda: ncp.callback(name, **fields))
    return {"status": EmberStatus.SUCCESS}


def _clear(ncp: Ncp, suite: CryptoSuite, store: bool) -> dict[str, Any]:
    computed = ncp.cbke.clear(suite.id)
    if not store or computed is None:
        return {"status": EmberStatus.SUCCESS}
    slot = key_table_slot(ncp, computed.partner)
    if slot is None:
        return {"status": EmberStatus.TABLE_FULL}
    ncp.nvm.key_table[slot] = LinkKey(computed.partner, computed.agreement.link_key)
    ncp.save()
    ncp.events.emit("ncp", "cbke_link_key_stored", partner=str(computed.partner), slot=slot)
    return {"status": EmberStatus.SUCCESS}


def _certificate(ncp: Ncp, suite: CryptoSuite) -> dict[str, Any]:
    certificate = ncp.cbke.certificate(suite.id)
    if certificate is None:
        return {"status": EmberStatus.LIBRARY_NOT_PRESENT, "local_certificate": bytes(suite.certificate_length)}
    return {"status": EmberStatus.SUCCESS, "local_certificate": certificate}


def _install(ncp: Ncp, suite: CryptoSuite, *, ca_public: bytes, certificate: bytes, private_key: bytes) -> EmberStatus:
    try:
        held = Credentials(suite, certificate, int.from_bytes(private_key, "big"), ca_public)
    except CbkeError as exc:
        ncp.events.emit("ncp", "cbke_data_refused", suite=int(suite.id), reason=str(exc))
        return EmberStatus.BAD_ARGUMENT
    ncp.nvm.cbke[suite.id] = held
    ncp.save()
    ncp.events.emit("ncp", "cbke_data_installed", suite=int(suite.id), subject=held.decoded.subject_eui64)
    return EmberStatus.SUCCESS


@handles("generateCbkeKeys")
def generate_cbke_keys(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _generate(ncp, SUITE_1)


@handles("generateCbkeKeys283k1")
def generate_cbke_keys_283k1(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _generate(ncp, SUITE_2)


@handles("calculateSmacs")
def calculate_smacs(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _calculate(ncp, SUITE_1, p)


@handles("calculateSmacs283k1")
def calculate_smacs_283k1(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _calculate(ncp, SUITE_2, p)


@handles("clearTemporaryDataMaybeStoreLinkKey")
def clear_temporary_data(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _clear(ncp, SUITE_1, p.store_link_key)


@handles("clearTemporaryDataMaybeStoreLinkKey283k1")
def clear_temporary_data_283k1(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _clear(ncp, SUITE_2, p.store_link_key)


@handles("getCertificate")
def get_certificate(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _certificate(ncp, SUITE_1)


@handles("getCertificate283k1")
def get_certificate_283k1(ncp: Ncp, p: Container) -> dict[str, Any]:
    return _certificate(ncp, SUITE_2)


@handles("setPreinstalledCbkeData")
def set_preinstalled_cbke_data(ncp: Ncp, p: Container) -> dict[str, Any]:
    return {"status": _install(ncp, SUITE_1, ca_public=bytes(p.ca_public), certificate=bytes(p.my_certificate),
                               private_key=bytes(p.my_key))}


@handles("savePreinstalledCbkeData283k1")
def save_preinstalled_cbke_data_283k1(ncp: Ncp, p: Container) -> dict[str, Any]:
    staged = [ncp.values_written.get(value) for value in
              (ValueId.PUBLIC_KEY_283K1, ValueId.CERTIFICATE_283K1, ValueId.PRIVATE_KEY_283K1)]
    ca_public, certificate, private_key = staged
    if ca_public is None or certificate is None or private_key is None:
        return {"status": EmberStatus.INVALID_CALL}
    for value in (ValueId.PUBLIC_KEY_283K1, ValueId.CERTIFICATE_283K1, ValueId.PRIVATE_KEY_283K1):
        del ncp.values_written[value]
    return {"status": _install(ncp, SUITE_2, ca_public=ca_public, certificate=certificate, private_key=private_key)}
