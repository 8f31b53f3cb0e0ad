"""The rig's commands: ``run``, ``ota``, ``report``, ``gbcs`` and ``image`` (``hanrig.cli`` gathers them)."""
