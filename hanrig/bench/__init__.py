"""The bench description: what ``hil_config.yaml`` says, shared by the rig and the emulator.

The rig (which plays the Communications Hub) and the emulated radio (a program of its
own) both read the same config file. What they must agree on lives here, below both:
reading a YAML file with the line of every field (``source``), reading typed values
field by field with errors that name the field (``fields``), who each device is
(``identity``), whom GB devices trust (``trust``) and the emulated radio's own block
(``emulator``). Nothing here starts, opens or loads anything but the config file.
"""
