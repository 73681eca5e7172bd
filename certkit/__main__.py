"""`python -m certkit` runs the command line."""

from certkit.cli import main

main()
