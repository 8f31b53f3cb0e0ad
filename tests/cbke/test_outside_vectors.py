"""The curve arithmetic, ECQV, ECMQV and the MMO hash agree with vectors from outside the project."""

from __future__ import annotations

import pytest

from hanrig.cbke.certificate import decode_certificate
from hanrig.cbke.curve import SECT163K1
from hanrig.cbke.ecmqv import shared_secret
from hanrig.cbke.ecqv import private_key_matches, reconstruct_public_key
from hanrig.cbke.mmo import aes_mmo_hash
from tests.cbke.vectors import (
    AN1089_INSTALL_CODE,
    AN1089_LINK_KEY,
    CERTICOM,
    GEC2_MQV_SHARED,
    GEC2_MQV_U,
    GEC2_MQV_V,
    CerticomCertificate,
    MqvParty,
)

CERTICOM_IDS = [f"{v.suite.curve.name}-{v.certificate[-26:-18].hex()}" for v in CERTICOM]


@pytest.mark.parametrize("vector", CERTICOM, ids=CERTICOM_IDS)
def test_certicom_private_key_times_generator_is_its_public_key(vector: CerticomCertificate) -> None:
    curve = vector.suite.curve
    assert curve.encode(curve.base_multiply(int.from_bytes(vector.private_key, "big"))) == vector.public_key


@pytest.mark.parametrize("vector", CERTICOM, ids=CERTICOM_IDS)
def test_certicom_public_key_decodes_to_the_point_it_encodes(vector: CerticomCertificate) -> None:
    curve = vector.suite.curve
    assert curve.encode(curve.decode(vector.public_key)) == vector.public_key


@pytest.mark.parametrize("vector", CERTICOM, ids=CERTICOM_IDS)
def test_certicom_certificate_reconstructs_the_device_public_key(vector: CerticomCertificate) -> None:
    certificate = decode_certificate(vector.suite, vector.certificate)
    public = reconstruct_public_key(certificate, vector.ca_public_key)
    assert vector.suite.curve.encode(public) == vector.public_key
    assert private_key_matches(certificate, vector.ca_public_key, int.from_bytes(vector.private_key, "big"))


@pytest.mark.parametrize("vector", CERTICOM, ids=CERTICOM_IDS)
def test_certicom_certificate_with_one_changed_octet_reconstructs_another_key(vector: CerticomCertificate) -> None:
    changed = bytearray(vector.certificate)
    changed[-30] ^= 0x01  # in the subject or issuer: the hash changes, the point stays valid
    certificate = decode_certificate(vector.suite, bytes(changed))
    assert vector.suite.curve.encode(reconstruct_public_key(certificate, vector.ca_public_key)) != vector.public_key


def _mqv(own: MqvParty, peer: MqvParty) -> bytes:
    curve = SECT163K1
    return shared_secret(
        curve,
        static_private=own.static_private,
        ephemeral_private=own.ephemeral_private,
        ephemeral_public=curve.decode(own.ephemeral_public),
        peer_static=curve.decode(peer.static_public),
        peer_ephemeral=curve.decode(peer.ephemeral_public),
    )


def test_gec2_ecmqv_example_gives_the_published_shared_value_on_both_sides() -> None:
    assert _mqv(GEC2_MQV_U, GEC2_MQV_V) == GEC2_MQV_SHARED
    assert _mqv(GEC2_MQV_V, GEC2_MQV_U) == GEC2_MQV_SHARED


def test_gec2_key_pairs_are_consistent_with_our_scalar_multiplication() -> None:
    for party in (GEC2_MQV_U, GEC2_MQV_V):
        assert SECT163K1.encode(SECT163K1.base_multiply(party.static_private)) == party.static_public
        assert SECT163K1.encode(SECT163K1.base_multiply(party.ephemeral_private)) == party.ephemeral_public


def test_an1089_install_code_hashes_to_its_published_link_key() -> None:
    assert aes_mmo_hash(AN1089_INSTALL_CODE) == AN1089_LINK_KEY
