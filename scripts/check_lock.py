"""Check that this interpreter's environment is exactly a lock file: `pip freeze` lists every locked package at its
locked version and nothing else (the project itself aside), and `pip check` finds no broken requirement.

    python scripts/check_lock.py lock/requirements-dev.txt      (exit 1 with the differences)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
# pip freeze leaves these out unless asked; the lock pins setuptools (the build back-end) all the same
TOOLING = {"pip", "setuptools", "wheel"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    return {canonical(m[1]): m[2] for m in map(PIN.match, path.read_text().splitlines()) if m}


def installed() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"], check=True,
                         capture_output=True, text=True).stdout
    return {canonical(m[1]): m[2] for m in map(PIN.match, out.splitlines()) if m}


def differences(lock: dict[str, str], have: dict[str, str]) -> list[str]:
    out = [f"{n}: locked {v}, installed {have.get(n, 'nothing')}" for n, v in sorted(lock.items())
           if have.get(n) != v]
    out += [f"{n}=={v}: installed but not in the lock" for n, v in sorted(have.items())
            if n not in lock and n not in TOOLING]
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    lock = read_lock(Path(argv[0]))
    problems = differences(lock, installed())
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    if check.returncode != 0:
        problems.append("pip check: " + (check.stdout + check.stderr).strip())
    for p in problems:
        print(f"lock {argv[0]}: {p}", file=sys.stderr)
    if not problems:
        print(f"environment matches {argv[0]} ({len(lock)} packages); pip check clean")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
