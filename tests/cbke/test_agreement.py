"""Two parties with test-CA credentials agree on one link key; a wrong input breaks the agreement."""

from __future__ import annotations

import pytest

from hanrig.cbke.agreement import agree, generate_ephemeral
from hanrig.cbke.ecqv import CertificateAuthority
from hanrig.cbke.errors import CertificateError, CredentialsError
from hanrig.cbke.suites import SUITE_1, SUITE_2, CryptoSuite
from hanrig.testpki.cbke import TEST_ISSUER, credentials, project_ca, seeded_scalars

DEVICE = "48414E52494700A4"
HUB = "48414E52494700A2"
SUITES = [SUITE_1, SUITE_2]


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.curve.name)
def test_initiator_and_responder_derive_the_same_link_key_and_macs(suite: CryptoSuite) -> None:
    device, hub = credentials(DEVICE, suite), credentials(HUB, suite)
    scalars = seeded_scalars("agreement test")
    e_device, e_hub = generate_ephemeral(suite, scalars), generate_ephemeral(suite, scalars)

    mine = agree(device, e_device, initiator=True, partner_certificate=hub.certificate,
                 partner_ephemeral=e_hub.public_key)
    theirs = agree(hub, e_hub, initiator=False, partner_certificate=device.certificate,
                   partner_ephemeral=e_device.public_key)

    assert mine.link_key == theirs.link_key
    assert (mine.initiator_mac, mine.responder_mac) == (theirs.initiator_mac, theirs.responder_mac)
    assert mine.initiator_mac != mine.responder_mac
    assert mine.partner.subject_eui64 == HUB


def test_a_party_that_takes_the_wrong_role_computes_other_macs() -> None:
    device, hub = credentials(DEVICE), credentials(HUB)
    scalars = seeded_scalars("roles")
    e_device, e_hub = generate_ephemeral(SUITE_2, scalars), generate_ephemeral(SUITE_2, scalars)
    mine = agree(device, e_device, initiator=True, partner_certificate=hub.certificate,
                 partner_ephemeral=e_hub.public_key)
    confused = agree(hub, e_hub, initiator=True, partner_certificate=device.certificate,
                     partner_ephemeral=e_device.public_key)
    assert mine.link_key == confused.link_key
    assert mine.initiator_mac != confused.initiator_mac


def test_a_certificate_for_another_eui_yields_another_key() -> None:
    """A device presenting someone else's certificate cannot hold its private key: the MACs differ."""
    device, hub, stranger = credentials(DEVICE), credentials(HUB), credentials("48414E52494700FF")
    scalars = seeded_scalars("stolen certificate")
    e_device, e_hub = generate_ephemeral(SUITE_2, scalars), generate_ephemeral(SUITE_2, scalars)
    mine = agree(device, e_device, initiator=True, partner_certificate=hub.certificate,
                 partner_ephemeral=e_hub.public_key)
    theirs = agree(hub, e_hub, initiator=False, partner_certificate=stranger.certificate,
                   partner_ephemeral=e_device.public_key)
    assert mine.initiator_mac != theirs.initiator_mac


def test_certificate_of_another_issuer_is_refused() -> None:
    other_ca = CertificateAuthority(SUITE_2, seeded_scalars("other CA")(SUITE_2.curve.order), b"OTHERCA!")
    device = credentials(DEVICE, issuer=other_ca)
    hub = credentials(HUB)
    scalars = seeded_scalars("issuer")
    with pytest.raises(CertificateError, match="another issuer"):
        agree(hub, generate_ephemeral(SUITE_2, scalars), initiator=False, partner_certificate=device.certificate,
              partner_ephemeral=generate_ephemeral(SUITE_2, scalars).public_key)


def test_test_ca_credentials_are_deterministic_and_carry_the_test_issuer() -> None:
    first, again = credentials(DEVICE), credentials(DEVICE.lower())
    assert first == again
    assert first.issuer == TEST_ISSUER
    assert first.decoded.subject_eui64 == DEVICE
    assert project_ca(SUITE_2).public_key == first.ca_public_key


def test_credentials_whose_key_is_not_the_certificates_are_refused() -> None:
    held = credentials(DEVICE)
    with pytest.raises(CredentialsError, match="does not belong"):
        type(held)(held.suite, held.certificate, held.private_key + 1, held.ca_public_key)
