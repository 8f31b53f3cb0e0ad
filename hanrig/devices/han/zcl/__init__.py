"""ZCL for emulated devices: the frame, its data types, the foundation commands, clusters as data."""
