"""The coordinator the rig drives: zigpy application, radio settings, the emulated radio."""
