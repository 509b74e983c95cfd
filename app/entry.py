"""Console entry point ``mattestudio``."""

import sys


def main() -> None:
    from mattestudio.app.cli import main as cli_main

    sys.exit(cli_main())
