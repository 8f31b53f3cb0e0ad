"""Whom a GB device trusts, and its own keys: the config's ``gbcs:`` block and the keystore.

    gbcs:
      keystore: fixtures/keys        # relative to the config file
      acb: 48414E5249470002          # the Access Control Broker: MACs commands, receives alerts
      supplier: 48414E5249470100     # signs images and CS06, receives FDRA
      comms_hub: 48414E52494700A2    # the CH the rig plays

The keystore directory holds keys named the RTDS way (``<eui>-ds.key``, ``<eui>-ka.pem``
...). A device takes from it only what a real one holds: its own private keys and the
public keys of the ACB (key agreement) and the Supplier (digital signing). Problems are
``SpecError``s naming the field; no key material ever appears in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.devices.errors import SpecError
from hanrig.devices.fields import Fields
from hanrig.devices.han.kinds import ConfigContext
from hanrig.devices.ieee import Eui64 as ZigbeeEui64
from hanrig.gbcs import Eui64, GbcsError, KeyStore, KeyUsage

BLOCK = "gbcs"


@dataclass(frozen=True)
class TrustAnchors:
    """The organisations a device deals with."""

    acb: Eui64
    supplier: Eui64
    comms_hub: Eui64


@dataclass(frozen=True, repr=False)
class DeviceKeys:
    """What one device holds: its identity, its private keys and its anchors' public keys."""

    device: Eui64
    anchors: TrustAnchors
    ds_private: ec.EllipticCurvePrivateKey
    ka_private: ec.EllipticCurvePrivateKey
    supplier_ds_public: ec.EllipticCurvePublicKey
    acb_ka_public: ec.EllipticCurvePublicKey

    def __repr__(self) -> str:
        return f"<DeviceKeys of {self.device}>"


def gbcs_eui(eui64: ZigbeeEui64) -> Eui64:
    """The GBCS spelling (16 hex digits) of a Zigbee EUI-64."""
    return Eui64(f"{eui64.value:016X}")


def read_device_keys(context: ConfigContext, device: ZigbeeEui64, device_path: str) -> DeviceKeys:
    """The keys of ``device`` from the ``gbcs:`` block; ``device_path`` names its ``eui64`` field."""
    if BLOCK not in context.shared:
        raise SpecError(BLOCK, "is required by GB devices (keystore, acb, supplier, comms_hub)")
    fields = Fields(context.shared[BLOCK], BLOCK)
    directory = fields.named_path("keystore", base=context.base_dir, kind="directory", existing=True)
    anchors = TrustAnchors(
        acb=_eui(fields, "acb"), supplier=_eui(fields, "supplier"), comms_hub=_eui(fields, "comms_hub")
    )
    fields.done()
    try:
        store = KeyStore.load(directory)
    except GbcsError as exc:
        raise SpecError(fields.at("keystore"), str(exc)) from None
    me = gbcs_eui(device)
    return DeviceKeys(
        device=me,
        anchors=anchors,
        ds_private=_private(store, me, KeyUsage.DIGITAL_SIGNING, device_path, directory),
        ka_private=_private(store, me, KeyUsage.KEY_AGREEMENT, device_path, directory),
        supplier_ds_public=_public(store, anchors.supplier, KeyUsage.DIGITAL_SIGNING, fields.at("supplier")),
        acb_ka_public=_public(store, anchors.acb, KeyUsage.KEY_AGREEMENT, fields.at("acb")),
    )


def _eui(fields: Fields, key: str) -> Eui64:
    value = fields.string(key)
    try:
        return Eui64(value)
    except GbcsError as exc:
        raise SpecError(fields.at(key), exc.message) from None


def _private(store: KeyStore, eui: Eui64, usage: KeyUsage, path: str, directory: Path) -> ec.EllipticCurvePrivateKey:
    key = store.private_key(eui, usage)
    if key is None:
        raise SpecError(path, f"the keystore {directory} holds no {usage.value} private key for {eui}")
    return key


def _public(store: KeyStore, eui: Eui64, usage: KeyUsage, path: str) -> ec.EllipticCurvePublicKey:
    key = store.public_key(eui, usage)
    if key is None:
        raise SpecError(path, f"the keystore holds no {usage.value} public key for {eui}")
    return key
