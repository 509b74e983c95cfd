"""A process SIGKILLed in the middle of saving a project or exporting a PNG leaves the previous file intact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from mattestudio.interaction.project import load_project

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
WAIT_S = 120

# The child saves the same session again and again, one more open-round prompt each time. Its file writes are
# patched to announce "MIDDLE <n>" half-way through save number KILL_AT and then to wait: the parent SIGKILLs it there,
# so the kill always lands inside a save (deterministic, no sleeps in the parent).
PROJECT_CHILD = textwrap.dedent("""
    import sys, time, zipfile
    import numpy as np
    from mattestudio.interaction.project import save_project
    from mattestudio.interaction.prompts import Box, Click
    from mattestudio.interaction.session import Session

    target, kill_at, member = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    s = Session(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8))
    s.add_instance("a")
    s.run_round("a", [Box(5, 5, 40, 30)])
    s.run_round("a", [Click(20, 15, True)])
    state = {"save": 0, "member": 0}
    original = zipfile.ZipFile.writestr

    def writestr(self, name, data, *args, **kwargs):
        state["member"] += 1
        if state["save"] == kill_at and state["member"] == member:
            half = len(data) // 2
            original(self, name, data[:half], *args, **kwargs)
            self.fp.flush()
            print("MIDDLE", state["save"], flush=True)
            time.sleep(600)
        return original(self, name, data, *args, **kwargs)

    zipfile.ZipFile.writestr = writestr
    for n in range(1, kill_at + 1):
        state["save"], state["member"] = n, 0
        s.add_prompt("a", Click(1 + n, 2, n % 2 == 0))
        save_project(s, target)
        print("SAVED", n, flush=True)
""")

EXPORT_CHILD = textwrap.dedent("""
    import pathlib, sys, time
    import numpy as np
    from mattestudio.interaction.export import export_alpha

    target = sys.argv[1]
    export_alpha(np.full((30, 40), 0.25, np.float32), target)
    print("SAVED 1", flush=True)
    original = pathlib.Path.write_bytes

    def write_bytes(self, data):
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            print("MIDDLE 2", flush=True)
            time.sleep(600)

    pathlib.Path.write_bytes = write_bytes
    export_alpha(np.full((30, 40), 0.75, np.float32), target)
""")


def _run_until_middle(code: str, *args: str) -> list[str]:
    """Start ``code``, SIGKILL it when it reports being in the middle of a write; return what it printed."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("MIDDLE"):
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert lines and lines[-1].startswith("MIDDLE"), (lines, proc.stderr.read())
    assert proc.returncode == -signal.SIGKILL
    return lines


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_during_save_keeps_the_previous_project(tmp_path, seed):
    rng = random.Random(seed)
    kill_at, member = rng.randint(2, 4), rng.randint(1, 8)  # a random save, a random member of its zip
    target = tmp_path / "work ü.mattes"
    lines = _run_until_middle(PROJECT_CHILD, str(target), str(kill_at), str(member))
    assert lines[-2] == f"SAVED {kill_at - 1}"
    session = load_project(target)  # the previous save, complete and loadable
    pending = session.instance("a").pending
    assert len(pending) == kill_at - 1 and len(session.instance("a").rounds) == 2
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(n.startswith(f".{target.name}.") and n.endswith(".tmp") for n in leftovers)  # only the dead temp file


def test_sigkill_during_export_never_leaves_a_partial_png(tmp_path):
    target = tmp_path / "alpha ü.png"
    _run_until_middle(EXPORT_CHILD, str(target))
    alpha = cv2.imread(str(target), cv2.IMREAD_UNCHANGED)
    assert alpha is not None and alpha.shape == (30, 40)
    assert np.all(alpha == round(0.25 * 255))  # the first export, whole
