"""``python -m influence``: the same as the ``influence`` command."""

from influence.cli import main

main()
