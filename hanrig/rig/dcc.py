"""The DCC side the rig stands in for: the Supplier that signs commands, the ACB that MACs them.

Activating an HCALCS and reading firmware versions are Service User requests that the
DCC turns into GBCS commands (CS06: Supplier-signed, then MAC'd by the Access Control
Broker; CS08: MAC'd by the ACB on the Supplier's behalf). With the test PKI the rig holds
those keys itself and builds the commands; a device's KA public key (its certificate)
must be in the keystore for the MAC.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec

from hanrig.bench.errors import ConfigError
from hanrig.gbcs import GbcsMessage, KeyStore, KeyUsage, build_cs06_command, build_cs08_command
from hanrig.rig.ch.counters import OriginatorCounter


class Dcc:
    def __init__(self, keystore: KeyStore, *, acb: str, supplier: str) -> None:
        self._keystore = keystore
        self.acb = acb
        self.supplier = supplier
        self._supplier_counter = OriginatorCounter()
        self._acb_counter = OriginatorCounter()

    def _key(self, eui: str, usage: KeyUsage, role: str) -> ec.EllipticCurvePrivateKey:
        key = self._keystore.private_key(eui, usage)
        if key is None:
            raise ConfigError(f"the keystore has no {usage} private key for the {role} {eui}")
        return key

    def _device_ka(self, device: str) -> ec.EllipticCurvePublicKey:
        key = self._keystore.public_key(device, KeyUsage.KEY_AGREEMENT)
        if key is None:
            raise ConfigError(f"the keystore has no ka certificate for device {device}: commands to it "
                              "are MAC'd with it")
        return key

    def cs06(self, device: str, manufacturer_image_hash: bytes, *,
             execution_date_time: datetime | None = None) -> GbcsMessage:
        """CS06 Activate Firmware for ``device``: activate the image with this Manufacturer Image hash."""
        return build_cs06_command(
            supplier=self.supplier, device=device, manufacturer_image_hash=manufacturer_image_hash,
            counter=self._supplier_counter.next(),
            supplier_ds_key=self._key(self.supplier, KeyUsage.DIGITAL_SIGNING, "Supplier"),
            mac_private_key=self._key(self.acb, KeyUsage.KEY_AGREEMENT, "Access Control Broker"),
            mac_peer_public_key=self._device_ka(device), execution_date_time=execution_date_time)

    def cs08(self, device: str) -> GbcsMessage:
        """CS08 Read PPMID/HCALCS Firmware Version."""
        return build_cs08_command(
            device=device, supplier=self.supplier, counter=self._acb_counter.next(),
            supplier_counter=self._supplier_counter.next(),
            mac_private_key=self._key(self.acb, KeyUsage.KEY_AGREEMENT, "Access Control Broker"),
            mac_peer_public_key=self._device_ka(device), acb=self.acb)
