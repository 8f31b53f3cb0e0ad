"""``python -m hanrig`` is the ``hanrig`` command."""

from hanrig.cli import main

main(prog_name="hanrig")
