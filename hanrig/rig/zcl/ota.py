"""zigpy's OTA Upgrade cluster, with the requests devices send handed to the rig's OTA server.

zigpy's own cluster answers every Query Next Image with NO_IMAGE_AVAILABLE and every
Image Block Request with ABORT unless its OTA manager is running, which would race the
rig's server. Requests go to the application's ``cluster_requests`` first; when the rig does
not take them (or the application is not the rig's) zigpy's behaviour applies, and
while zigpy's own OTA manager updates a device its requests are left to it.
"""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.zcl import foundation
from zigpy.zcl.clusters import general


class Ota(general.Ota):
    def handle_cluster_request(self, hdr: foundation.ZCLHeader, args: list[Any], *,
                               dst_addressing: t.AddrMode | None = None) -> None:
        requests = getattr(self.endpoint.device.application, "cluster_requests", None)
        if self.endpoint.device.ota_in_progress or requests is None or not requests.ota_request(self, hdr, args):
            super().handle_cluster_request(hdr, args, dst_addressing=dst_addressing)
