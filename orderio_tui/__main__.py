"""`python -m orderio_tui` is the same as the `orderio-tui` command."""

from .cli import main

main()
