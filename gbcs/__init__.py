"""GBCS messages, OTA upgrade images and their cryptography.

Pure codecs: bytes in, typed values out, and back to the same bytes. Nothing here
knows of radios, devices or the rig; the only file access is loading a keystore
directory when a caller asks for it.
"""
