"""The `zjsafety` command. For `zjsafety import`, the workbooks start parsing on another core
(importers.prefetch) before the CLI and its libraries load."""

from __future__ import annotations

import sys


def main() -> None:
    if "import" in sys.argv[1:]:
        from .importers.prefetch import start_from_argv
        start_from_argv(sys.argv[1:])
    from .cli import main as cli_main
    cli_main()
