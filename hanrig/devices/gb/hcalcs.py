"""``hcalcs``: the HAN Connected Auxiliary Load Control Switch of SECMP0007.

It takes the ESME/GSME path SECMP0007 reuses: the image is distributed over Zigbee OTA but
never activated by the OTA server (its UpgradeActivationPolicy is out-of-band only, so an
Upgrade End Response with an upgrade time is answered NOT_AUTHORIZED). On verified
receipt it sends the Supplier a Firmware Distribution Receipt Alert (8F72 with the
calculated Manufacturer Image hash; GBZ form by default, as a Zigbee device, DLMS as a
setting [INF]), or Firmware Verification Failed (8F1C) when the image is refused. Only a
CS06 Activate Firmware command (Supplier-signed, ACB-MAC'd) whose hash matches the held
image activates it; the response says Success, No Image Held, Hash Mismatch or Activation
Failure, with the version then running. A CS06 dated in the future is accepted at once
("Command Accepted") and carried out at its time, reported by alert 8F66 or 8F67.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity
from hanrig.devices.gb.device import GbDevice
from hanrig.devices.gb.firmware import HeldImage, Rejection, version_octets
from hanrig.devices.gb.gbcs_link import Command
from hanrig.devices.gb.ota_client import ActivationPolicy
from hanrig.devices.gb.profile import ClusterId, SeDeviceId
from hanrig.devices.gb.settings import GbSettings, read_gb_settings
from hanrig.devices.han.kinds import ConfigContext, DeviceKind, register
from hanrig.gbcs import (
    ActivateFirmwareAccepted,
    ActivateFirmwareCommand,
    ActivateFirmwareOutcome,
    ActivationResult,
    AlertCode,
    AlertForm,
    GbcsMessage,
    MessageCode,
    build_cs06_alert,
    build_cs06_response,
    build_fdra_dlms,
    build_fdra_gbz,
    build_firmware_verification_failed_alert,
)


class Hcalcs(GbDevice):
    DEVICE_ID = SeDeviceId.LOAD_CONTROL_DEVICE
    ACTIVATION_POLICY = ActivationPolicy.OUT_OF_BAND_ONLY
    SERVES = frozenset({MessageCode.ACTIVATE_FIRMWARE, MessageCode.READ_FIRMWARE_VERSION})
    DECLARED_CLIENTS = (ClusterId.TIME, ClusterId.DEMAND_RESPONSE_LOAD_CONTROL)

    # ---------------------------------------------------------------- distribution

    def on_verified(self, result: HeldImage | Rejection) -> None:
        keys, form = self.keys, self.alert_form
        if isinstance(result, HeldImage):
            calculated_hash = result.manufacturer_image_hash
            if self.faults.wrong_fdra_hash:
                calculated_hash = hashlib.sha256(calculated_hash).digest()
                self._record("fault", fault="wrong_fdra_hash", reported=calculated_hash.hex())
            receipt = build_fdra_gbz if form is AlertForm.GBZ else build_fdra_dlms

            def fdra(counter: int, when: datetime) -> GbcsMessage:
                return receipt(device=keys.device, recipient=keys.anchors.supplier, calculated_hash=calculated_hash,
                               when=when, counter=counter, ds_key=keys.ds_private)

            self.gbcs.alert(AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL, fdra)
            return

        def verification_failed(counter: int, when: datetime) -> GbcsMessage:
            return build_firmware_verification_failed_alert(form=form, device=keys.device,
                                                            recipient=keys.anchors.supplier, when=when,
                                                            counter=counter, ds_key=keys.ds_private)

        self.gbcs.alert(AlertCode.FIRMWARE_VERIFICATION_FAILED, verification_failed)

    # ---------------------------------------------------------------- CS06 Activate Firmware

    def on_command(self, command: Command) -> None:
        if command.message.message_code != MessageCode.ACTIVATE_FIRMWARE:
            super().on_command(command)
            return
        payload = command.payload
        assert isinstance(payload, ActivateFirmwareCommand)
        now = self.utc_now()
        when = payload.execution_date_time
        if when is not None and when > now:
            self._respond(command, ActivateFirmwareAccepted())
            self._record("activation_scheduled", at=when.isoformat())
            self.call_later((when - now).total_seconds(), self._activate_firmware, command, True)
        else:
            self._activate_firmware(command, False)

    def _activate_firmware(self, command: Command, future_dated: bool) -> None:
        payload = command.payload
        assert isinstance(payload, ActivateFirmwareCommand)
        held = self.firmware.held
        activated = False
        if held is None:
            code = ActivationResult.NO_IMAGE_HELD
        elif held.manufacturer_image_hash != payload.manufacturer_image_hash:
            code = ActivationResult.HASH_MISMATCH
        else:
            activated = self.activate_held()
            code = ActivationResult.SUCCESS if activated else ActivationResult.ACTIVATION_FAILURE
        self._record("cs06_outcome", result=code.name, counter=command.message.counter)

        def report() -> None:
            outcome = ActivateFirmwareOutcome(code, version_octets(self.reported_version))
            if future_dated:
                self._future_dated_alert(command, outcome, payload)
            else:
                self._respond(command, outcome)

        self.after_activation(activated, report)

    def _respond(self, command: Command, outcome: ActivateFirmwareOutcome | ActivateFirmwareAccepted) -> None:
        keys = self.keys
        response = build_cs06_response(device=keys.device, supplier=command.message.originator,
                                       counter=command.message.counter, outcome=outcome, date_time=self.utc_now(),
                                       device_ds_key=keys.ds_private)
        self.gbcs.respond("CS06", response)

    def _future_dated_alert(self, command: Command, outcome: ActivateFirmwareOutcome,
                            payload: ActivateFirmwareCommand) -> None:
        keys = self.keys
        assert payload.execution_date_time is not None
        execution = payload.execution_date_time

        def build(counter: int, when: datetime) -> GbcsMessage:
            return build_cs06_alert(device=keys.device, supplier=command.message.originator,
                                    command_counter=command.message.counter, outcome=outcome,
                                    execution_date_time=execution, counter=counter,
                                    device_ds_key=keys.ds_private)

        alert = (AlertCode.FUTURE_DATED_ACTIONED if outcome.response_code is ActivationResult.SUCCESS
                 else AlertCode.FUTURE_DATED_NOT_ACTIONED)
        self.gbcs.alert(alert, build)


def _read_settings(fields: Fields, context: ConfigContext, identity: DeviceIdentity) -> GbSettings:
    return read_gb_settings(fields, context, identity, model="HCALCS")


HCALCS = register(DeviceKind("hcalcs", _read_settings, Hcalcs, firmware_identity=True))
