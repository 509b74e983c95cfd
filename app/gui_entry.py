"""Without a subcommand: open the application (until the desktop window lands, matte the bundled sample)."""

from __future__ import annotations

import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    from mattestudio.app.cli import main as cli_main
    from mattestudio.interaction.samples import sample_path, sample_prompts_path

    out = Path(tempfile.gettempdir()) / "mattestudio-sample-alpha.png"
    image = argv[0] if argv else str(sample_path())
    return cli_main(["matte", image, "--prompts", str(sample_prompts_path()), "-o", str(out)])
