"""``python -m rig.cli`` is ``hanrig``."""

from rig.cli import main

main(prog_name="hanrig")
