"""GB smart-metering HAN devices: the emulated PPMID and HCALCS of SECMP0007.

Each is a ``devices.han.node.Node`` on the Smart Energy profile that hosts a Tunneling
server for GBCS (``tunnel``), runs a Zigbee OTA Upgrade client (``ota_client``), holds and
activates firmware (``firmware``) and checks and sends GBCS messages (``gbcs_link``), with
behaviours and faults as data (``behaviours``). ``ppmid`` and ``hcalcs`` register the kinds.
"""
