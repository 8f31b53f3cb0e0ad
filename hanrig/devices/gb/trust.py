"""Whom a GB device trusts, and its own keys: the config's ``gbcs:`` block and the keystore.

The block (``hanrig.bench.trust``) names the keystore directory and the parties; the
keystore holds keys named the RTDS way (``<eui>-ds.key``, ``<eui>-ka.pem`` ...). A device
takes from it only what a real one holds: its own private keys and the public keys of
the ACB (key agreement) and the Supplier (digital signing). Problems are ``SpecError``s
naming the field; no key material ever appears in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.bench.trust import BLOCK, GbcsParties, read_gbcs_parties
from hanrig.devices.han.kinds import ConfigContext
from hanrig.gbcs import Eui64, GbcsError, KeyStore, KeyUsage


@dataclass(frozen=True, repr=False)
class DeviceKeys:
    """What one device holds: its identity, its private keys and its anchors' public keys."""

    device: Eui64
    #: the parties it deals with (and where their keys are kept)
    anchors: GbcsParties
    ds_private: ec.EllipticCurvePrivateKey
    ka_private: ec.EllipticCurvePrivateKey
    supplier_ds_public: ec.EllipticCurvePublicKey
    acb_ka_public: ec.EllipticCurvePublicKey

    def __repr__(self) -> str:
        return f"<DeviceKeys of {self.device}>"


def read_device_keys(context: ConfigContext, device: Eui64, device_path: str) -> DeviceKeys:
    """The keys of ``device`` from the ``gbcs:`` block; ``device_path`` names its ``eui64`` field."""
    if BLOCK not in context.shared:
        raise SpecError(BLOCK, "is required by GB devices (keystore, acb, supplier, comms_hub)")
    fields = Fields(context.shared[BLOCK], BLOCK)
    anchors = read_gbcs_parties(fields, context.base_dir)
    try:
        store = KeyStore.load(anchors.keystore, private_keys_of={device})
    except GbcsError as exc:
        raise SpecError(fields.at("keystore"), str(exc)) from None
    return DeviceKeys(
        device=device,
        anchors=anchors,
        ds_private=_private(store, device, KeyUsage.DIGITAL_SIGNING, device_path, anchors.keystore),
        ka_private=_private(store, device, KeyUsage.KEY_AGREEMENT, device_path, anchors.keystore),
        supplier_ds_public=_public(store, anchors.supplier, KeyUsage.DIGITAL_SIGNING, fields.at("supplier")),
        acb_ka_public=_public(store, anchors.acb, KeyUsage.KEY_AGREEMENT, fields.at("acb")),
    )


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
