"""The Communications Hub role and the HIL runner.

Drives a real Zigbee coordinator through zigpy (bellows for EZSP), serves OTA
images, raises and checks GBCS alerts, runs scenario suites and writes reports.
Talks to radios only through zigpy.
"""
