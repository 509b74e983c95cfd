"""Command line: ``mattestudio [IMAGE]`` opens the app; ``mattestudio SUBCOMMAND ...`` runs headless tools.

Each subcommand lives in its own module with ``add_arguments(parser)`` and ``run(args) -> int``; modules are imported
only when their subcommand runs (so ``matte`` never imports Qt or torch).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mattestudio import __version__

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "matte": ("mattestudio.app.cli_matte", "matte an image with prompts from a JSON file, write PNG alpha/RGBA"),
    "models": ("mattestudio.app.cli_models", "list the back-ends with their weights status and devices"),
    "bench": ("mattestudio.app.cli_bench", "benchmark: simulated user, matting metrics and peers (or --speed, --soak)"),
    "synth": ("mattestudio.app.cli_synth", "write a benchmark set of composites over background photos (synthetic objects or real foregrounds)"),
    "train": ("mattestudio.app.cli_train", "train iscn|mrn|mask2alpha|gfm on the synthetic stream (resumable)"),
}


class CliError(Exception):
    """An error the user can fix; printed as one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    lines = "\n".join(f"  {name:<10} {hlp}" for name, (_, hlp) in SUBCOMMANDS.items())
    p = argparse.ArgumentParser(
        prog="mattestudio",
        description="MatteStudio: interactive image matting.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"subcommands (mattestudio SUBCOMMAND --help for details):\n{lines}\n\n"
               "without a subcommand: mattestudio [IMAGE] [--prompts P.json] opens the application",
    )
    p.add_argument("--version", action="version", version=f"mattestudio {__version__}")
    return p


def subcommand_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module = importlib.import_module(SUBCOMMANDS[name][0])
    p = argparse.ArgumentParser(prog=f"mattestudio {name}", description=SUBCOMMANDS[name][1])
    p.add_argument("--verbose", action="store_true", help="show details (tracebacks) on errors")
    module.add_arguments(p)
    return p, module


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        p, module = subcommand_parser(argv[0])
        args = p.parse_args(argv[1:])
        return run_guarded(module.run, args)
    if argv and argv[0] in ("-h", "--help", "--version"):
        _parser().parse_args(argv)
        return 0
    from mattestudio.app import gui_entry

    return gui_entry.main(argv)


def run_guarded(fn, args) -> int:
    """Run ``fn(args)``; expected errors become one line on stderr (a traceback only with --verbose)."""
    from mattestudio.interaction.errors import USER_ERRORS

    try:
        return int(fn(args) or 0)
    except KeyboardInterrupt:
        print("mattestudio: interrupted", file=sys.stderr)
        return 130
    except (CliError, *USER_ERRORS) as exc:
        if getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        print(f"mattestudio: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
