"""The lock files: complete, hashed, consistent with pyproject.toml, and (in the project's own venv) installed exactly."""

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import check_lock  # noqa: E402

APP, DEV = REPO / "lock" / "requirements-app.txt", REPO / "lock" / "requirements-dev.txt"


def _requirement_names(pyproject: str, section: str) -> set[str]:
    block = re.search(rf"^{section} = \[(.*?)\]$", pyproject, re.S | re.M)
    assert block, section
    return {check_lock.canonical(re.match(r"[A-Za-z0-9._-]+", r)[0]) for r in re.findall(r'"([^"]+)"', block[1])}


def test_every_pin_is_exact_and_hashed_and_the_app_lock_lies_inside_the_dev_lock():
    app, dev = check_lock.read_lock(APP), check_lock.read_lock(DEV)
    for path in (APP, DEV):
        text = path.read_text()
        entries = re.split(r"\n(?=[A-Za-z0-9])", text[text.index("\n\n") + 2:] if "\n\n" in text else text)
        pins = [e for e in entries if re.match(r"[A-Za-z0-9]", e)]
        assert pins and all("--hash=sha256:" in e for e in pins), path
    assert app and all(dev.get(n) == v for n, v in app.items()), "the app lock must agree with the dev lock"
    py = (REPO / "pyproject.toml").read_text()
    assert _requirement_names(py, "dependencies") <= set(app)
    assert _requirement_names(py, "test") | _requirement_names(py, "package") <= set(dev)
    assert app["torch"] == "2.13.0+cpu" and "setuptools" in app  # the CPU build; the build back-end too


def test_differences_name_missing_changed_and_extra_packages():
    lock = {"numpy": "2.4.6", "torch": "2.13.0+cpu"}
    assert check_lock.differences(lock, {"numpy": "2.4.6", "torch": "2.13.0+cpu", "pip": "26.3"}) == []
    out = check_lock.differences(lock, {"numpy": "2.3.0", "requests": "2.0"})
    assert out == ["numpy: locked 2.4.6, installed 2.3.0", "torch: locked 2.13.0+cpu, installed nothing",
                   "requests==2.0: installed but not in the lock"]


@pytest.mark.skipif(Path(sys.prefix).resolve() != (REPO / ".venv").resolve() or not (REPO / ".venv" / ".installed-test").exists(),
                    reason="checks the project's own .venv made by `make test` from the dev lock")
def test_the_project_venv_is_exactly_the_dev_lock(capsys):
    assert check_lock.main([str(DEV)]) == 0, capsys.readouterr().err
