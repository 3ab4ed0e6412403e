"""``python -m eqqnn.cli``."""

from eqqnn.cli import main

main()
