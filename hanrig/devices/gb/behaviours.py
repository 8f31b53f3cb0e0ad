"""How a GB device behaves, and how it misbehaves: both as data, from config or the control plane.

``behaviour:`` is what a compliant device may legitimately do differently from another
(sleep, block size, page requests, slow verification, resume after a reboot ...).
``faults:`` is what the field has seen go wrong (peers notes §3): stalls, reboots mid
transfer, corrupt storage, refused images, lost or mis-signed alerts. Percentages are of
the image's size and trigger once, when the download first reaches them; a fault that
has fired is cleared, and the control plane can set it again. Settings marked [INF] model
behaviour GBCS leaves to the manufacturer or that no available source states.

Both are frozen; ``updated`` returns new settings with some keys changed, checked by the
same readers as the config, so a bad value from the control plane is a ``SpecError``
naming the field just like one in ``hil_config.yaml``. A nested mapping (``sleepy``,
``page_requests``) is replaced whole; ``null`` or ``false`` turns it off, ``true`` on with
its defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hanrig.bench.errors import SpecError
from hanrig.bench.fields import Fields
from hanrig.gbcs import AlertForm

#: the largest percentage a fault can fire at: from 0 up to, not including, the complete image
_PERCENT_MAXIMUM = 99.999


@dataclass(frozen=True)
class Sleep:
    """A sleepy end device: off the air except for ``awake_for`` seconds every ``wake_interval``.

    While asleep it hears nothing (an Image Notify or a tunnel message then fails delivery,
    as for a real sleepy device past its parent's buffering); a transfer keeps it awake.
    """

    wake_interval: float = 300.0
    awake_for: float = 10.0
    #: on waking, ask the OTA server for an image without waiting to be notified
    query_on_wake: bool = True


@dataclass(frozen=True)
class PageRequests:
    """Ask for pages of ``page_size`` octets (ZCL Image Page Request) instead of single blocks."""

    page_size: int = 512
    response_spacing_ms: int = 20


@dataclass(frozen=True)
class Behaviour:
    sleepy: Sleep | None = None
    #: the Maximum Data Size of each Image Block (or Page) Request: 40, 50, 64 ...
    block_size: int = 64
    page_requests: PageRequests | None = None
    #: MinimumBlockPeriod (ms) between block requests, until the server says otherwise
    minimum_block_period_ms: int = 0
    #: seconds without the awaited OTA response before the device asks again
    response_timeout: float = 5.0
    #: requests retried without an answer, after which it gives up (Upgrade End ABORT)
    max_retries: int = 10
    #: seconds spent verifying a complete download before Upgrade End
    verification_delay: float = 0.0
    #: keep a partial download (and its offset) across a reboot, and resume it
    resume: bool = False
    #: check the stored image the way its manufacturer would (a stand-in for the CRC or
    #: signature inside the Manufacturer Image, which GBCS leaves opaque) [INF]
    integrity_check: bool = True
    #: while told to wait for the server's word (upgrade time 0xFFFFFFFF), ask again this often
    #: (Silicon Labs' OTA client: one hour)
    upgrade_requery: float = 3600.0
    #: seconds off the air when the device restarts
    reboot_time: float = 1.0
    #: activating an image restarts the device: its tunnels are gone until the CH asks again [INF]
    reboot_on_activation: bool = True
    #: the form of FDRA and Generic Critical Alerts: GBZ, as a Zigbee device sends them, or DLMS [INF]
    alert_form: AlertForm = AlertForm.GBZ
    #: the OTA server's endpoint on the coordinator, until an Image Notify names another
    server_endpoint: int = 1
    #: also answer ZCL frames sent with the Home Automation profile (0x0104), as a host that reads
    #: every device's Basic cluster on its HA endpoint expects (zigbee-herdsman does). Off by
    #: default: Silicon Labs' Application Framework, on which GB HAN devices are commonly built,
    #: drops a frame whose profile is neither its endpoint's nor the wildcard 0xFFFF
    #: (app/framework/util/util.c, dispatchZclMessage); GBCS and the CHTS say nothing of it [INF]
    home_automation_profile: bool = False

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["alert_form"] = self.alert_form.value
        return values

    def updated(self, changes: Mapping[str, Any]) -> Behaviour:
        return read_behaviour(Fields({**self.as_dict(), **changes}, "behaviour"))


@dataclass(frozen=True)
class Faults:
    #: stop requesting blocks once the download reaches this percentage
    stall_at: float | None = None
    #: restart once the download reaches this percentage (``behaviour.resume`` decides what survives)
    reboot_at: float | None = None
    #: damage one stored byte of the block that reaches this percentage
    corrupt_block: float | None = None
    #: give up with Upgrade End ABORT once the download reaches this percentage
    abort_at: float | None = None
    #: answer a complete, valid download with INVALID_IMAGE
    reject_image: bool = False
    #: answer a complete, valid download with REQUIRE_MORE_IMAGE
    require_more_image: bool = False
    #: fail to activate: keep running the old image and report the failure
    refuse_activation: bool = False
    #: after activating, report this file version instead of the one running
    wrong_version: int | None = None
    #: never send an alert (each is recorded as dropped)
    drop_alerts: bool = False
    #: hold each alert this many seconds before sending it
    delay_alerts: float = 0.0
    #: send alerts whose signature does not verify
    bad_alert_signature: bool = False
    #: send alerts with no signature at all
    unsigned_alerts: bool = False
    #: send responses (CS06, CS08) whose signature or MAC does not verify
    bad_response_protection: bool = False
    #: report in FDRA a Manufacturer Image hash other than the one it calculated
    wrong_fdra_hash: bool = False
    #: after the CH refuses (NO_IMAGE_AVAILABLE to a query, ABORT or NO_IMAGE_AVAILABLE to a block
    #: request), ask for this many blocks of the notified image anyway
    ignore_refusals: int = 0
    #: report this hardware version in Query Next Image: the device is not the hardware its identity says
    real_hardware_version: int | None = None
    #: CBKE (once each): present a certificate from another CA, or one issued to another EUI-64
    cbke_wrong_issuer: bool = False
    cbke_other_eui: bool = False
    #: CBKE: send a confirmation MAC that does not match the derived keys
    cbke_bad_mac: bool = False
    #: CBKE: hold the ephemeral data this many seconds before sending it
    cbke_slow_ephemeral: float = 0.0
    #: CBKE: end the exchange with Terminate Key Establishment after the CH's certificate arrives
    cbke_terminate: bool = False
    #: CBKE: complete it, but keep a link key other than the one derived (a key-storage bug)
    cbke_store_wrong_key: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: Mapping[str, Any]) -> Faults:
        return read_faults(Fields({**self.as_dict(), **changes}, "faults"))


def read_behaviour(fields: Fields) -> Behaviour:
    defaults = Behaviour()
    behaviour = Behaviour(
        sleepy=_read_sleep(fields),
        block_size=fields.integer("block_size", defaults.block_size, minimum=1, maximum=255),
        page_requests=_read_pages(fields),
        minimum_block_period_ms=fields.integer(
            "minimum_block_period_ms", defaults.minimum_block_period_ms, minimum=0, maximum=0xFFFF
        ),
        response_timeout=fields.number("response_timeout", defaults.response_timeout, minimum=0.1, maximum=3600),
        max_retries=fields.integer("max_retries", defaults.max_retries, minimum=0, maximum=1000),
        verification_delay=fields.number(
            "verification_delay", defaults.verification_delay, minimum=0, maximum=300
        ),
        resume=fields.boolean("resume", defaults.resume),
        integrity_check=fields.boolean("integrity_check", defaults.integrity_check),
        upgrade_requery=fields.number("upgrade_requery", defaults.upgrade_requery, minimum=1, maximum=86_400),
        reboot_time=fields.number("reboot_time", defaults.reboot_time, minimum=0, maximum=600),
        reboot_on_activation=fields.boolean("reboot_on_activation", defaults.reboot_on_activation),
        alert_form=fields.choice("alert_form", {form.value: form for form in AlertForm}, defaults.alert_form),
        server_endpoint=fields.integer("server_endpoint", defaults.server_endpoint, minimum=1, maximum=240),
        home_automation_profile=fields.boolean("home_automation_profile", defaults.home_automation_profile),
    )
    fields.done()
    return behaviour


def _read_sleep(fields: Fields) -> Sleep | None:
    block = fields.optional_mapping("sleepy")
    if block is None:
        return None
    defaults = Sleep()
    sleep = Sleep(
        wake_interval=block.number("wake_interval", defaults.wake_interval, minimum=1, maximum=86_400),
        awake_for=block.number("awake_for", defaults.awake_for, minimum=0.1, maximum=86_400),
        query_on_wake=block.boolean("query_on_wake", defaults.query_on_wake),
    )
    block.done()
    return sleep


def _read_pages(fields: Fields) -> PageRequests | None:
    block = fields.optional_mapping("page_requests")
    if block is None:
        return None
    defaults = PageRequests()
    pages = PageRequests(
        page_size=block.integer("page_size", defaults.page_size, minimum=1, maximum=0xFFFF),
        response_spacing_ms=block.integer(
            "response_spacing_ms", defaults.response_spacing_ms, minimum=0, maximum=0xFFFF
        ),
    )
    block.done()
    return pages


def read_faults(fields: Fields) -> Faults:
    defaults = Faults()
    faults = Faults(
        stall_at=_percent(fields, "stall_at"),
        reboot_at=_percent(fields, "reboot_at"),
        corrupt_block=_percent(fields, "corrupt_block"),
        abort_at=_percent(fields, "abort_at"),
        reject_image=fields.boolean("reject_image", defaults.reject_image),
        require_more_image=fields.boolean("require_more_image", defaults.require_more_image),
        refuse_activation=fields.boolean("refuse_activation", defaults.refuse_activation),
        wrong_version=fields.integer("wrong_version", None, minimum=0, maximum=0xFFFFFFFF),
        drop_alerts=fields.boolean("drop_alerts", defaults.drop_alerts),
        delay_alerts=fields.number("delay_alerts", defaults.delay_alerts, minimum=0, maximum=86_400),
        bad_alert_signature=fields.boolean("bad_alert_signature", defaults.bad_alert_signature),
        unsigned_alerts=fields.boolean("unsigned_alerts", defaults.unsigned_alerts),
        bad_response_protection=fields.boolean("bad_response_protection", defaults.bad_response_protection),
        wrong_fdra_hash=fields.boolean("wrong_fdra_hash", defaults.wrong_fdra_hash),
        ignore_refusals=fields.integer("ignore_refusals", defaults.ignore_refusals, minimum=0, maximum=100),
        real_hardware_version=fields.integer("real_hardware_version", None, minimum=0, maximum=0xFFFF),
        cbke_wrong_issuer=fields.boolean("cbke_wrong_issuer", defaults.cbke_wrong_issuer),
        cbke_other_eui=fields.boolean("cbke_other_eui", defaults.cbke_other_eui),
        cbke_bad_mac=fields.boolean("cbke_bad_mac", defaults.cbke_bad_mac),
        cbke_slow_ephemeral=fields.number("cbke_slow_ephemeral", defaults.cbke_slow_ephemeral, minimum=0,
                                          maximum=600),
        cbke_terminate=fields.boolean("cbke_terminate", defaults.cbke_terminate),
        cbke_store_wrong_key=fields.boolean("cbke_store_wrong_key", defaults.cbke_store_wrong_key),
    )
    fields.done()
    if faults.reject_image and faults.require_more_image:
        raise SpecError(fields.at("require_more_image"), "cannot be set together with reject_image")
    return faults


def _percent(fields: Fields, key: str) -> float | None:
    return fields.number(key, None, minimum=0, maximum=_PERCENT_MAXIMUM)
