"""hanrig: a hardware-in-the-loop test rig that plays the GB Communications Hub.

The subpackages are the architecture, each importing only those below it:
``gbcs`` (codecs and crypto, no I/O), ``devices`` (the emulated radio and devices, a
program of its own), ``rig`` (the Communications Hub, its coordinator, OTA server,
evidence and reports) and ``fixtures`` (the pytest plugin and its test assets).
"""
