"""Property-based tests over generated project files: a real project saved once is the template; each hypothesis
example expands a seed into a batch of variants (manifest edits, missing or foreign members, names escaping the
archive, damaged PNGs, zip bombs, wrong format versions, damaged zip bytes). Loading gives a session or one clear
ProjectError, and never writes anything."""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fast_docs
from mattestudio.interaction.errors import USER_ERRORS, ProjectError
from mattestudio.interaction.project import FORMAT_VERSION, load_project, save_project
from mattestudio.interaction.prompts import Box, Click, Scribble
from mattestudio.interaction.session import Session

FAST = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))
N_EXAMPLES, BATCH = 220, 8  # 1760 project files
ESCAPING = ["../evil.png", "../../evil.png", "/tmp/evil.png", "results/../../evil.png", "C:\\evil.png",
            "results/0/r0/../../../../evil.png", "\\\\server\\share\\evil.png"]
BOMB_BYTES = 3 * 1024 * 1024  # zeros: deflate to a few kB, far beyond the allowed ratio


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """(members, manifest) of a real project: two instances, rounds with results, an undone round, an open round."""
    rng = np.random.default_rng(3)
    img = rng.integers(0, 255, (10, 12, 3), dtype=np.uint8)
    img[3:8, 4:9] = (220, 30, 30)
    s = Session(img)
    s.add_instance("a")
    s.run_round("a", [Box(2, 2, 10, 8)])
    s.run_round("a", [Click(6, 5, True), Scribble(((1, 1), (3, 2)), 1.0, False)])
    s.run_round("a", [Click(1, 8, False)])
    s.undo("a")
    s.add_prompt("a", Click(5, 5, True))
    s.add_instance("b ü")
    path = save_project(s, tmp_path_factory.mktemp("template") / "t.mattes")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    return Template(members, json.loads(members["manifest.json"]))


class Template(tuple):
    def __new__(cls, members: dict, manifest: dict):
        return super().__new__(cls, (members, manifest))

    def __repr__(self) -> str:  # keeps hypothesis' failure reports readable
        return f"Template({len(self[0])} members)"


def _zip(members: dict[str, bytes], deflate: set[str] = frozenset()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED if name in deflate else zipfile.ZIP_STORED)
    return buf.getvalue()


def _png(a: np.ndarray) -> bytes:
    return cv2.imencode(".png", a)[1].tobytes()


def _file_refs(manifest: dict) -> list[tuple[dict, str]]:
    """(dict, key) of every member name the manifest refers to."""
    refs = [(manifest["image"], "file")]
    for inst in manifest["instances"]:
        for rnd in inst["rounds"] + inst["redo_rounds"]:
            if rnd["result"]:
                refs += [(rnd["result"]["files"], k) for k in rnd["result"]["files"]]
    return refs


def variant(rng: random.Random, members: dict, manifest: dict) -> tuple[str, bytes]:
    """One project file (kind, bytes) derived from the template."""
    members, manifest = dict(members), json.loads(json.dumps(manifest))
    kind = rng.choice(["valid", "manifest", "manifest", "manifest", "escape", "member", "bomb", "version", "bytes"])
    deflate: set[str] = set()
    if kind == "manifest":
        manifest = fast_docs.mutate(rng, manifest)
    elif kind == "escape":
        d, k = rng.choice(_file_refs(manifest))
        name = rng.choice(ESCAPING)
        d[k] = name
        if rng.random() < 0.5:
            members[name] = members["image.png"]  # the archive even holds a member of that name
    elif kind == "member":
        name = rng.choice([n for n in members if n != "manifest.json"])
        how = rng.choice(["drop", "junk", "cut", "wrong_size", "wrong_depth", "colour"])
        if how == "drop":
            del members[name]
        elif how == "junk":
            members[name] = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
        elif how == "cut":
            members[name] = members[name][: rng.randint(0, len(members[name]) - 1)]
        elif how == "wrong_size":
            members[name] = _png(np.zeros((7, 5), np.uint16))
        elif how == "wrong_depth":
            members[name] = _png(np.zeros((10, 12), np.uint8 if name.endswith(("prob.png", "alpha.png"))
                                          else np.uint16))
        else:
            members[name] = _png(np.zeros((10, 12, 3), np.uint8))
    elif kind == "bomb":
        name = rng.choice(list(members))
        members[name] = bytes(BOMB_BYTES)
        deflate.add(name)
    elif kind == "version":
        manifest["format_version"] = rng.choice([0, FORMAT_VERSION + 1, 99, "1", None, 1.5, -1])
    if "manifest.json" not in deflate:
        members["manifest.json"] = json.dumps(manifest, allow_nan=True).encode()
    data = _zip(members, deflate)
    if kind == "bytes":
        b = bytearray(data)
        if rng.random() < 0.5:
            b = b[: rng.randint(0, len(b) - 1)]
        else:
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] ^= 1 + rng.getrandbits(7)
        data = bytes(b)
    return kind, data


def _listing(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*"))


def _check_session(s: Session, template_manifest: dict) -> None:
    assert s.image.shape == (10, 12, 3) and s.image.dtype == np.uint8
    for inst in s.instances.values():
        for rnd in inst.rounds + inst.redo_rounds:
            for p in rnd.prompts:
                p.validate(s.width, s.height)
            if rnd.result is not None:
                assert rnd.result.alpha.shape == (10, 12) and np.isfinite(rnd.result.alpha).all()
        for p in inst.pending:
            p.validate(s.width, s.height)


@settings(max_examples=N_EXAMPLES, **FAST)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_generated_projects_load_or_give_one_clear_error(template, tmp_path_factory, seed):
    members, manifest = template
    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("proj", numbered=True)
    sandbox = root / "sandbox"
    sandbox.mkdir()
    cwd = os.getcwd()
    os.chdir(sandbox)  # a relative path escaping the archive would land here
    try:
        for k in range(BATCH):
            kind, data = variant(rng, members, manifest)
            path = sandbox / f"p{k} ü.mattes"
            path.write_bytes(data)
            before = _listing(root)
            try:
                session = load_project(path)
            except USER_ERRORS as exc:  # a ProjectError, or e.g. a BackendError for an unknown back-end name
                text = str(exc)
                assert "\n" not in text and "Traceback" not in text
                assert text.startswith(str(path)) or not isinstance(exc, ProjectError)
                assert kind != "valid", text
            else:
                assert kind not in ("escape", "bomb", "version"), kind
                _check_session(session, manifest)
                out = sandbox / "resaved.mattes"
                save_project(session, out)
                again = load_project(out)
                assert [r.prompts for i in again.instances.values() for r in i.rounds] == \
                    [r.prompts for i in session.instances.values() for r in i.rounds]
                out.unlink()
            assert _listing(root) == before  # loading wrote nothing, anywhere
    finally:
        os.chdir(cwd)
