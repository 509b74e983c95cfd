"""Packaging: the desktop entry, the scripts and the spec are well-formed (always checked); building the bundle and
running its smoke test only when MATTESTUDIO_TEST_PACKAGE=1 (it takes minutes)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys

import pytest

from mattestudio.app.cli import SUBCOMMANDS
from mattestudio.app.cli import main as cli_main

from conftest_paths import REPO

PACKAGING = REPO / "packaging"
BUILD_TIMEOUT_S = 3600


def test_desktop_entry_is_complete():
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str
    entry.read(PACKAGING / "mattestudio.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "MatteStudio" and d["Terminal"] == "false"
    assert d["Exec"].split()[0] == "mattestudio" and d["Icon"] == "mattestudio"
    assert d["Categories"].endswith(";") and "Graphics" in d["Categories"].split(";")
    assert (REPO / "resources" / "icons" / "app.svg").read_text().lstrip().startswith(("<svg", "<?xml"))


def test_scripts_and_spec_parse():
    if shutil.which("bash"):
        for script in ("build.sh", "smoke.sh", "install-desktop.sh"):
            assert subprocess.run(["bash", "-n", str(PACKAGING / script)]).returncode == 0, script
            assert os.access(PACKAGING / script, os.X_OK), f"{script} is not executable"
    for py in ("mattestudio.spec", "launcher.py"):
        compile((PACKAGING / py).read_text(), py, "exec")


def test_help_documents_every_subcommand(capsys):
    with pytest.raises(SystemExit) as done:
        cli_main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name, (_, hlp) in SUBCOMMANDS.items():
        assert f"  {name} " in out and hlp in out


@pytest.mark.skipif(os.environ.get("MATTESTUDIO_TEST_PACKAGE") != "1",
                    reason="building the PyInstaller bundle takes minutes: set MATTESTUDIO_TEST_PACKAGE=1 to build it "
                           "(packaging/build.sh, needs pyinstaller in the venv) and run packaging/smoke.sh")
def test_built_bundle_passes_the_smoke_test():
    py = os.environ.get("PY", sys.executable)
    build = subprocess.run(["bash", str(PACKAGING / "build.sh")], env={**os.environ, "PY": py}, cwd=REPO,
                           capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert build.returncode == 0, build.stderr[-4000:]
    smoke = subprocess.run(["bash", str(PACKAGING / "smoke.sh")], cwd=REPO, capture_output=True, text=True,
                           timeout=BUILD_TIMEOUT_S)
    assert smoke.returncode == 0, smoke.stdout[-2000:] + smoke.stderr[-4000:]
    assert "smoke: OK" in smoke.stdout
