"""The keystore: the RTDS directory loads whole, lookups fall back sensibly, keys stay private."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.gbcs.errors import KeyStoreError
from hanrig.gbcs.keystore import KeyStore, KeyUsage, load_private_key, load_public_key
from tests.gbcs.keys import throwaway_key
from tests.gbcs.vectors import KEYSTORE, rtds_keystore


def test_rtds_directory_loads_every_key_including_the_odd_names() -> None:
    store = rtds_keystore()
    assert store.public_key("00DB1234567890A4", KeyUsage.DIGITAL_SIGNING) is not None
    assert store.private_key("90B3D51F30010000", KeyUsage.PREPAYMENT_KEY_AGREEMENT) is not None
    assert store.public_key("FFFFFFFFFFFFFFFE", KeyUsage.KEY_AGREEMENT) is not None
    assert store.private_key("123456789ABCDEF0", KeyUsage.KEY_AGREEMENT) is not None
    key_files = [path for path in KEYSTORE.iterdir() if path.suffix in (".pem", ".key")]
    assert len(store.euis()) == len({path.name[:16].upper() for path in key_files})


def test_public_key_falls_back_to_the_one_of_a_held_private_key() -> None:
    store = rtds_keystore()
    private = store.private_key("123456789abcdef0", KeyUsage.KEY_AGREEMENT)
    assert store.public_key("123456789abcdef0", KeyUsage.KEY_AGREEMENT).public_numbers() == (
        private.public_key().public_numbers())


def test_absent_keys_are_none() -> None:
    store = rtds_keystore()
    assert store.private_key("00DB1234567890A4", KeyUsage.DIGITAL_SIGNING) is None
    assert store.public_key("0000000000000000", KeyUsage.KEY_AGREEMENT) is None


def test_repr_shows_counts_and_no_key_material() -> None:
    store = KeyStore()
    key = throwaway_key("secret")
    store.add_private_key("00DB1234567890A4", KeyUsage.KEY_AGREEMENT, key)
    scalar = key.private_numbers().private_value
    text = repr(store)
    assert text == "<KeyStore: 0 public keys, 1 private keys>"
    assert f"{scalar:x}" not in text and str(scalar) not in text


def test_files_not_named_like_keys_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("not a key")
    pem = throwaway_key("a").public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "00db1234567890a4-ka.pem").write_bytes(pem)
    assert KeyStore.load(tmp_path).euis() == {"00DB1234567890A4"}


def test_corrupt_key_file_names_the_file_and_nothing_of_its_content(tmp_path: Path) -> None:
    (tmp_path / "00db1234567890a4-ds.key").write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n")
    with pytest.raises(KeyStoreError, match="00db1234567890a4-ds.key") as caught:
        KeyStore.load(tmp_path)
    assert "c2VjcmV0" not in str(caught.value)


def test_key_on_another_curve_is_refused(tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    path = tmp_path / "key.pem"
    path.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    with pytest.raises(KeyStoreError, match="P-256"):
        load_private_key(path)


def test_missing_directory_is_a_keystore_error(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="not a directory"):
        KeyStore.load(tmp_path / "nope")


def test_single_files_load_as_certificate_or_key() -> None:
    assert load_public_key(KEYSTORE / "90b3d51f30010000-ds.pem") is not None
    assert load_private_key(KEYSTORE / "90b3d51f30010000-ds.key") is not None
