"""``python -m reflect`` runs the CLI."""

from reflect.cli import main

main()
