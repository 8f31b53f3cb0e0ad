"""The keystore: public and private P-256 keys by EUI-64 and usage.

Reads a directory named the RTDS way (``<eui>-ds.pem``, ``<eui>-ka.key``, ``<eui>-pp-ka.pem``
...: certificate or bare public key in ``.pem``, PKCS#8 private key in ``.key``) and takes
keys added in memory, which is how the rig and the emulated devices bring their own.
Lookups return None when a key is not held, which verification reports as ``no-key``.
Private keys never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Collection
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.gbcs.errors import KeyStoreError
from hanrig.gbcs.eui import Eui64

LOG = logging.getLogger(__name__)


class KeyUsage(enum.StrEnum):
    """What a key is for, as the file name suffix says."""

    DIGITAL_SIGNING = "ds"
    KEY_AGREEMENT = "ka"
    #: The Supplier's separate key-agreement key for prepayment top-ups.
    PREPAYMENT_KEY_AGREEMENT = "pp-ka"


_FILE_NAME = re.compile(r"^(?P<eui>[0-9a-fA-F]{16})-(?P<usage>ds|ka|pp-ka)\.(?P<kind>pem|key)$")


class KeyStore:
    """P-256 keys by (EUI-64, usage). Mutable: add keys as devices are created."""

    def __init__(self) -> None:
        self._public: dict[tuple[Eui64, KeyUsage], ec.EllipticCurvePublicKey] = {}
        self._private: dict[tuple[Eui64, KeyUsage], ec.EllipticCurvePrivateKey] = {}

    @classmethod
    def load(cls, directory: Path, *, private_keys_of: Collection[str] | None = None) -> KeyStore:
        """Every key file in ``directory`` named ``<eui>-<usage>.<pem|key>``; other files are skipped.

        With ``private_keys_of``, only those parties' private keys are read: each party holds
        its own and no other's (the rig never reads a device's, nor a device the CH's).
        """
        own = None if private_keys_of is None else {Eui64(eui) for eui in private_keys_of}
        store = cls()
        if not directory.is_dir():
            raise KeyStoreError(f"{directory}: not a directory")
        for path in sorted(directory.iterdir()):
            match = _FILE_NAME.match(path.name)
            if match is None:
                LOG.debug("skipping %s: not named <eui>-<ds|ka|pp-ka>.<pem|key>", path.name)
                continue
            if path.is_symlink():
                # The keystore is the files in the directory named, not wherever links lead.
                raise KeyStoreError(f"{path}: a symbolic link; the keystore takes only the files in it")
            eui, usage = Eui64(match["eui"]), KeyUsage(match["usage"])
            if match["kind"] == "key" and own is not None and eui not in own:
                continue
            data = _read(path)
            if match["kind"] == "pem":
                store.add_public_key(eui, usage, _public_key_from_pem(data, path))
            else:
                store.add_private_key(eui, usage, _private_key_from_pem(data, path))
        return store

    def add_public_key(self, eui: str, usage: KeyUsage, key: ec.EllipticCurvePublicKey) -> None:
        self._public[(Eui64(eui), usage)] = _p256(key, f"{eui} {usage} public key")

    def add_private_key(self, eui: str, usage: KeyUsage, key: ec.EllipticCurvePrivateKey) -> None:
        self._private[(Eui64(eui), usage)] = _p256(key, f"{eui} {usage} private key")

    def public_key(self, eui: str, usage: KeyUsage) -> ec.EllipticCurvePublicKey | None:
        """The public key, from a certificate or bare key, else derived from a held private key."""
        entry = (Eui64(eui), usage)
        if entry in self._public:
            return self._public[entry]
        private = self._private.get(entry)
        return private.public_key() if private else None

    def private_key(self, eui: str, usage: KeyUsage) -> ec.EllipticCurvePrivateKey | None:
        return self._private.get((Eui64(eui), usage))

    def euis(self) -> frozenset[Eui64]:
        """Every EUI-64 the store holds a key for."""
        return frozenset(eui for eui, _ in (*self._public, *self._private))

    def __repr__(self) -> str:
        return f"<KeyStore: {len(self._public)} public keys, {len(self._private)} private keys>"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyStoreError(f"{path}: cannot read ({exc.strerror})") from None


def _public_key_from_pem(data: bytes, path: Path) -> ec.EllipticCurvePublicKey:
    key: object
    try:
        if b"BEGIN CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError:
        raise KeyStoreError(f"{path}: not a PEM certificate or public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise KeyStoreError(f"{path}: not an elliptic-curve key")
    return key


def _private_key_from_pem(data: bytes, path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        # The library's message could quote the file; say only what is wrong.
        raise KeyStoreError(f"{path}: not an unencrypted PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyStoreError(f"{path}: not an elliptic-curve key")
    return key


_Key = TypeVar("_Key", ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)


def _p256(key: _Key, what: str) -> _Key:
    if not isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        raise KeyStoreError(f"{what}: not an elliptic-curve key")
    if not isinstance(key.curve, ec.SECP256R1):
        raise KeyStoreError(f"{what}: GBCS keys are on P-256, not {key.curve.name}")
    return key


def load_public_key(path: Path) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from a PEM certificate or public key file."""
    return _p256(_public_key_from_pem(_read(path), path), str(path))


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from an unencrypted PEM (PKCS#8 or SEC1) file."""
    return _p256(_private_key_from_pem(_read(path), path), str(path))
