"""The emulated coordinator radio: an EZSP NCP behind ASH on a pseudo-terminal."""
