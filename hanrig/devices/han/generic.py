"""``generic``: a plain Home Automation device with a Basic cluster, for tests of the HAN."""

from __future__ import annotations

from dataclasses import dataclass

from hanrig.bench.fields import Fields
from hanrig.bench.identity import DeviceIdentity
from hanrig.devices.han.aps import HOME_AUTOMATION_PROFILE
from hanrig.devices.han.kinds import ConfigContext, DeviceKind, DeviceSpec, register
from hanrig.devices.han.node import Endpoint, Node
from hanrig.devices.han.zcl.basic import PowerSource, basic_server

#: Home Automation "Simple Sensor"
SIMPLE_SENSOR = 0x000C
ENDPOINT = 1


@dataclass(frozen=True)
class GenericSettings:
    manufacturer: str = "hanrig"
    model: str = "generic"


class GenericDevice(Node):
    """A mains-powered router with one HA endpoint serving Basic."""

    def __init__(self, spec: DeviceSpec) -> None:
        settings: GenericSettings = spec.settings
        endpoint = Endpoint(
            ENDPOINT,
            profile_id=HOME_AUTOMATION_PROFILE,
            device_id=SIMPLE_SENSOR,
            clusters=[
                basic_server(
                    manufacturer=settings.manufacturer,
                    model=settings.model,
                    power_source=PowerSource.MAINS_SINGLE_PHASE,
                )
            ],
        )
        super().__init__(
            name=spec.name,
            eui64=spec.eui64,
            node_id=spec.node_id,
            endpoints=[endpoint],
            link_key=spec.link_key,
            auto_join=spec.auto_join,
        )


def _read_settings(fields: Fields, context: ConfigContext, identity: DeviceIdentity) -> GenericSettings:
    return GenericSettings(
        manufacturer=fields.string("manufacturer", GenericSettings.manufacturer),
        model=fields.string("model", GenericSettings.model),
    )


GENERIC = register(DeviceKind("generic", _read_settings, GenericDevice))
