"""The virtual Home Area Network behind the emulated coordinator, and the devices on it."""
