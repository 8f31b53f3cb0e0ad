"""``ppmid``: the Prepayment Meter Interface Device of SECMP0007.

One service request covers distribution and activation: the CH serves the image over
Zigbee OTA and says when to activate in its Upgrade End Response (now, at a time, or
0xFFFFFFFF to wait for a later one). Once the new image runs, the PPMID tells the ACB with
CS09 PPMID Firmware Activation Alert (8F8B, MC 0x012B): the version now running and
success, or its old version and failure when activation failed. It answers CS08 Read
Firmware Version; CS06 is not a PPMID command.
"""

from __future__ import annotations

from datetime import datetime

from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity
from hanrig.devices.gb.device import GbDevice
from hanrig.devices.gb.firmware import version_octets
from hanrig.devices.gb.ota_client import ActivationPolicy
from hanrig.devices.gb.profile import ClusterId, SeDeviceId
from hanrig.devices.gb.settings import GbSettings, read_gb_settings
from hanrig.devices.han.kinds import ConfigContext, DeviceKind, register
from hanrig.gbcs import ActivateImageResult, AlertCode, GbcsMessage, MessageCode, build_cs09_alert


class Ppmid(GbDevice):
    DEVICE_ID = SeDeviceId.PREPAYMENT_TERMINAL
    ACTIVATION_POLICY = ActivationPolicy.OTA_SERVER_ALLOWED
    SERVES = frozenset({MessageCode.READ_FIRMWARE_VERSION})
    DECLARED_CLIENTS = (ClusterId.TIME, ClusterId.PRICE, ClusterId.METERING, ClusterId.MESSAGING,
                        ClusterId.PREPAYMENT)

    def activate(self) -> None:
        activated = self.activate_held()
        if not activated:
            self.firmware.discard()
            self.ota.activation_failed()
        result = ActivateImageResult.SUCCESS if activated else ActivateImageResult.FAILURE
        self.after_activation(activated, lambda: self._activation_alert(result))

    def _activation_alert(self, result: ActivateImageResult) -> None:
        version, keys = version_octets(self.reported_version), self.keys

        def build(counter: int, when: datetime) -> GbcsMessage:
            return build_cs09_alert(ppmid=keys.device, firmware_version=version, result=result, when=when,
                                    counter=counter, ppmid_ds_key=keys.ds_private, recipient=keys.anchors.acb)

        self.gbcs.alert(AlertCode.FIRMWARE_VERSION, build)


def _read_settings(fields: Fields, context: ConfigContext, identity: DeviceIdentity) -> GbSettings:
    return read_gb_settings(fields, context, identity, model="PPMID")


PPMID = register(DeviceKind("ppmid", _read_settings, Ppmid, firmware_identity=True))
