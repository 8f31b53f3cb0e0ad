"""Device-level firmware tracking as the DSP keeps it, read from one bench's run record.

For every (request, device) the DSP tracks: the request received, the transfer started,
the CH's Firmware Transfer Alert (CCS08) and the activation reported by the device (CS09
from a PPMID; FDRA then the CS06 response from anything else), or the failure. Each of
these becomes a DCC alert to the Service User: the mapping below is from DUIS' alert
payload types (``CommsHubAlert/FirmwareTransferAlert``, ``PPMIDAlert/PPMIDFirmwareUpgradeAlert``);
the N-codes beside them are inferred and unverified (docs: gbcs-firmware-and-alerts.md §3).

A device counts as activated only on verified evidence from the device itself: its
scenario passed with checks that judged the device (signatures and MACs valid). The
CH's own CCS08 is the rig's CH model speaking, shown as such, and never enough.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from hanrig.gbcs import AlertCode
from hanrig.rig.record import Basis, Outcome, RunRecord, ScenarioRecord


class DspStage(enum.StrEnum):
    """Where a device's firmware update stands, in the order the DSP sees it."""

    REQUEST_RECEIVED = "request received"
    TRANSFER_STARTED = "transfer started"
    TRANSFERRED = "transferred (CCS08)"
    ACTIVATED = "activated"
    FAILED = "failed"


#: the funnel's columns, in order
FUNNEL = (DspStage.REQUEST_RECEIVED, DspStage.TRANSFER_STARTED, DspStage.TRANSFERRED, DspStage.ACTIVATED)

#: the rig's distribution stages (hanrig.rig.tracking) as the DSP tracks them
_FROM_RIG = {"Pending": DspStage.REQUEST_RECEIVED, "Notified": DspStage.TRANSFER_STARTED,
             "Transferring": DspStage.TRANSFER_STARTED, "Transferred": DspStage.TRANSFERRED,
             "Activated": DspStage.ACTIVATED, "Failed": DspStage.FAILED}


@dataclass(frozen=True)
class DccAlert:
    """What the DCC tells its Service User about one GBCS alert."""

    name: str
    #: the DCC alert code, where a public source or an inference gives one
    code: str
    #: True when the code is inferred and unverified
    inferred: bool


#: GBCS alert code -> the DCC alert it becomes (DUIS names; codes [INF, unverified])
DCC_ALERTS: dict[int, DccAlert] = {
    AlertCode.FIRMWARE_TRANSFER_SUCCESS: DccAlert("CommsHubAlert/FirmwareTransferAlert FileTransferSuccess",
                                                  "N59", True),
    AlertCode.FIRMWARE_TRANSFER_FAIL: DccAlert("CommsHubAlert/FirmwareTransferAlert (failure)", "N62", True),
    AlertCode.FIRMWARE_VERSION: DccAlert("PPMIDAlert/PPMIDFirmwareUpgradeAlert", "N39", True),
    AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL: DccAlert("DeviceAlertMessage (FDRA 8F72)", "", False),
}


#: the alerts that mark a DSP stage, most telling first: CCS08 for the transfer, CS09 or FDRA for the activation
_STAGE_ALERTS = {
    DspStage.TRANSFERRED: (AlertCode.FIRMWARE_TRANSFER_SUCCESS, AlertCode.FIRMWARE_TRANSFER_FAIL),
    DspStage.ACTIVATED: (AlertCode.FIRMWARE_VERSION, AlertCode.FIRMWARE_VERIFICATION_SUCCESSFUL),
    DspStage.FAILED: (AlertCode.FIRMWARE_VERSION, AlertCode.FIRMWARE_TRANSFER_FAIL),
}


def stage_of(rig_stage: str) -> DspStage:
    return _FROM_RIG[rig_stage]


@dataclass
class Alert:
    """A GBCS alert seen on a bench: who raised it, what it is, whether it verified."""

    device: str
    code: int | None
    use_case: str
    #: ``from-device`` or ``raised-by-ch``
    direction: str
    verified: bool
    time: float

    @property
    def label(self) -> str:
        return f"{self.use_case} 0x{self.code:04X}" if self.code is not None else self.use_case

    @property
    def dcc(self) -> DccAlert | None:
        return DCC_ALERTS.get(self.code) if self.code is not None else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        return cls(data["device"], data["code"], data["use_case"], data["direction"], data["verified"], data["time"])

    def as_dict(self) -> dict[str, Any]:
        dcc = self.dcc
        return {"device": self.device, "code": self.code, "use_case": self.use_case, "direction": self.direction,
                "verified": self.verified, "time": self.time,
                "dcc_alert": None if dcc is None else {"name": dcc.name, "code": dcc.code, "inferred": dcc.inferred}}


@dataclass
class DeviceTrack:
    """One device's update on one bench, as the DSP tracks it."""

    device: str
    eui64: str
    image: str = ""
    stage: DspStage = DspStage.REQUEST_RECEIVED
    #: why it failed, or why an activation the rig saw does not count
    reason: str = ""
    #: when each stage was first reached (wall clock)
    reached: dict[str, float] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    #: the device's own scenario passed on checks that judged the device
    device_evidence: bool = False

    @property
    def activated(self) -> bool:
        return self.stage is DspStage.ACTIVATED and self.device_evidence

    def alert_at(self, stage: DspStage) -> Alert | None:
        """The GBCS alert that marks the device reaching ``stage`` (the DCC alert the Service User gets)."""
        for code in _STAGE_ALERTS.get(stage, ()):
            found = [alert for alert in self.alerts if alert.code == code]
            if found:
                return found[-1]
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"device": self.device, "eui64": self.eui64, "image": self.image, "stage": self.stage.value,
                "activated": self.activated, "reason": self.reason, "reached": self.reached,
                "device_evidence": self.device_evidence, "alerts": [a.as_dict() for a in self.alerts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceTrack:
        track = cls(data["device"], data["eui64"], data.get("image", ""), DspStage(data["stage"]),
                    data.get("reason", ""), dict(data.get("reached", {})),
                    device_evidence=bool(data.get("device_evidence")))
        track.alerts = [Alert.from_dict(a) for a in data.get("alerts", [])]
        return track


def alerts_of(record: RunRecord) -> list[Alert]:
    """Every GBCS alert of the run, in order: the devices' and the CH model's."""
    messages = [*record.messages, *(m for scenario in record.scenarios for m in scenario.messages)]
    alerts = []
    for message in sorted(messages, key=lambda m: m.get("time", 0.0)):
        decoded = message.get("decoded") or {}
        if decoded.get("cra") != "alert" and message.get("direction") != "raised-by-ch":
            continue
        code = decoded.get("alert_code")
        protection = decoded.get("signature") if decoded.get("signature") != "absent" else decoded.get("mac")
        alerts.append(Alert(device=str(message.get("device", "")), code=int(code, 16) if code else None,
                            use_case=str(decoded.get("use_case") or decoded.get("message_name") or "undecodable"),
                            direction=str(message.get("direction", "")), verified=protection == "valid",
                            time=float(message.get("time", 0.0))))
    return alerts


def tracks_of(record: RunRecord) -> list[DeviceTrack]:
    """Each device's update on the bench, from the run's distribution transitions and verdicts."""
    tracks: dict[str, DeviceTrack] = {}
    scenario_of: dict[str, ScenarioRecord] = {}
    for scenario in record.scenarios:
        for transition in scenario.transitions:
            scenario_of[transition["device"]] = scenario
        for transition in scenario.transitions:
            _move(tracks, transition)
    for transition in record.transitions:
        _move(tracks, transition)
    by_eui = {track.eui64.upper(): track for track in tracks.values()}
    for alert in alerts_of(record):
        track = by_eui.get(alert.device.upper())
        if track is not None:
            track.alerts.append(alert)
    for name, track in tracks.items():
        judged = scenario_of.get(name)
        track.device_evidence = (judged is not None and judged.outcome is Outcome.PASS
                                 and judged.basis is Basis.DEVICE)
        if track.stage is DspStage.ACTIVATED and not track.device_evidence:
            track.reason = ("activation not counted: the device's scenario "
                            + ("did not pass" if judged is None or judged.outcome is not Outcome.PASS
                               else "rests on no check of the device (rig self-check)"))
        elif track.stage not in (DspStage.ACTIVATED, DspStage.FAILED) and judged is not None and judged.reason:
            track.reason = judged.reason
    return list(tracks.values())


def _move(tracks: dict[str, DeviceTrack], transition: dict[str, Any]) -> None:
    name = transition["device"]
    track = tracks.get(name)
    if track is None or transition.get("stage") == "Pending":
        # a new request for the device: the last one is what the roll-out tracks
        track = tracks[name] = DeviceTrack(name, str(transition.get("eui64", "")), str(transition.get("image", "")))
    stage = stage_of(transition["stage"])
    track.stage = stage
    track.reached.setdefault(stage.value, float(transition.get("time", 0.0)))
    if stage is DspStage.FAILED:
        track.reason = str(transition.get("detail", ""))
