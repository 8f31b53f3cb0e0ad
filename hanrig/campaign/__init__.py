"""Staged roll-out campaigns: one firmware variant through validation, pilot and mass roll-out.

A campaign (``spec``) runs stages of benches: emulated benches drawn from a fleet
(``fleet``) or labgrid places (``places``), each a ``hanrig run`` of its own
(``benches``). What every device did is tracked as the DSP tracks it (``dsp``), each
stage is judged by its gate (``gates``), everything is journaled as it happens
(``runner``) and folded into a record (``record``) for the live view (``live``) and the
reports (``reports``). It sits above the rig: it runs the rig, never a radio.
"""
