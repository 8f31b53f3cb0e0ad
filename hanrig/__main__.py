"""``python -m hanrig`` is the ``hanrig`` command."""

from hanrig.rig.cli import main

main(prog_name="hanrig")
