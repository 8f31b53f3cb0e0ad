"""The emulated radio and the emulated HAN devices behind it.

An EZSP coordinator on a pseudo-terminal that unmodified bellows drives like a
Silicon Labs dongle, a virtual HAN, and PPMID/HCALCS models that can be told to
fail. Knows nothing of the rig: it is driven only through its serial port and
its control plane.
"""
