"""The rig's own OTA Upgrade server: policies, sessions, progress and the zigpy binding."""
