"""The Communications Hub role: OTA serving, tunnels, held images, CCS08 alerts and GBCS message handling."""
