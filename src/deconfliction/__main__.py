"""``python -m deconfliction`` is the ``deconfliction`` command."""

from deconfliction.cli import main

main(prog_name="deconfliction")
