"""Property-based tests over generated prompt JSON documents, valid and malformed: a document parses into typed
prompts or gives one clear PromptError; nothing else is raised and nothing is written."""

from __future__ import annotations

import copy
import json
import math
import os
import random

import cv2
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mattestudio.app.cli import main as cli_main
from mattestudio.interaction.prompt_file import dump_prompts, load_prompts, parse_prompts
from mattestudio.interaction.prompts import Box, Click, PromptError, Scribble, Soft, Text
import fast_docs
from fuzz_strategies import JUNK, mutated, prompts_document

FAST = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))
#: hypothesis examples per test; the batch test expands each of its examples into BATCH documents
N_VALID, N_MALFORMED, N_BATCH, BATCH, N_TEXT, N_CLI = 200, 400, 300, 25, 300, 60


def _check_parsed(instances) -> None:
    names = [i.name for i in instances]
    assert len(set(names)) == len(names) and all(n.strip() == n and n and "/" not in n for n in names)
    for inst in instances:
        assert inst.rounds and all(r for r in inst.rounds)
        for rnd in inst.rounds:
            for p in rnd:
                assert isinstance(p, (Click, Scribble, Box, Text, Soft))
                stroke = lambda p: [v for q in p.points for v in q] + [p.radius]  # noqa: E731
                nums = {Click: lambda p: [p.x, p.y], Scribble: stroke, Soft: stroke,
                        Box: lambda p: [p.x0, p.y0, p.x1, p.y1], Text: lambda p: []}[type(p)](p)
                assert all(isinstance(v, float) and math.isfinite(v) for v in nums)


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text
    return text


@settings(max_examples=N_VALID, **FAST)
@given(prompts_document())
def test_valid_documents_parse_and_round_trip(doc):
    parsed = parse_prompts(copy.deepcopy(doc))
    _check_parsed(parsed)
    assert [i.name for i in parsed] == [i["name"].strip() for i in doc["instances"]]
    again = parse_prompts(json.loads(dump_prompts(parsed)))
    assert again == parsed


@settings(max_examples=N_MALFORMED, **FAST)
@given(st.data())
def test_malformed_documents_give_a_prompt_error_or_typed_prompts(data):
    doc = data.draw(mutated(data.draw(prompts_document())))
    try:
        parsed = parse_prompts(doc)
    except PromptError as exc:
        _one_line(exc)
    else:
        _check_parsed(parsed)


@settings(max_examples=N_BATCH, **FAST)
@given(st.integers(0, 2 ** 32 - 1))
def test_batches_of_seeded_documents(seed):
    """Each example: BATCH documents, a fifth of them valid, the rest with 1-3 random edits."""
    rng = random.Random(seed)
    for k in range(BATCH):
        doc = fast_docs.document(rng)
        valid = k % 5 == 0
        if not valid:
            doc = fast_docs.mutate(rng, doc)
        try:
            parsed = parse_prompts(doc)
        except PromptError as exc:
            assert not valid, exc
            _one_line(exc)
        else:
            _check_parsed(parsed)


@settings(max_examples=N_TEXT, **FAST)
@given(st.one_of(JUNK.map(lambda v: json.dumps(v, allow_nan=True)),
                 prompts_document().map(lambda d: json.dumps(d, allow_nan=True)).flatmap(
                     lambda s: st.integers(0, len(s)).map(lambda k: s[:k])),  # cut anywhere
                 st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
                 st.integers(4000, 6000).map(lambda n: '{"instances": [' + "1" * n + "]}"),  # too many digits
                 st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)))
def test_prompt_files_of_any_text_load_or_give_one_error(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("p", numbered=True)
    path = folder / "prompts ü.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        parsed = load_prompts(path)
    except PromptError as exc:
        assert _one_line(exc).startswith(str(path))
    else:
        _check_parsed(parsed)
    assert os.listdir(folder) == [path.name]  # nothing written beside it


@settings(max_examples=N_CLI, **FAST)
@given(st.data())
def test_cli_matte_with_generated_prompts_writes_only_its_target(tmp_path_factory, data):
    """``mattestudio matte`` on a 24x20 photo: exit 0 with the alpha(s) written under the target, or exit 2 with one
    line; no file anywhere else (instance names become file names inside the output folder only)."""
    doc = data.draw(prompts_document())
    if data.draw(st.booleans()):
        doc = data.draw(mutated(doc, max_edits=2))
    root = tmp_path_factory.mktemp("cli", numbered=True)
    work, outdir = root / "work", root / "work" / "out"
    outdir.mkdir(parents=True)
    img = np.zeros((20, 24, 3), np.uint8)
    img[5:15, 6:18] = (200, 40, 40)
    cv2.imwrite(str(work / "img.png"), img)
    (work / "p.json").write_text(json.dumps(doc, allow_nan=True))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code = cli_main(["matte", str(work / "img.png"), "--prompts", str(work / "p.json"), "-o", str(outdir)])
    after = sorted(p.relative_to(root) for p in root.rglob("*"))
    new = [p for p in after if p not in before]
    assert code in (0, 2)
    assert all(p.parts[:2] == ("work", "out") for p in new), new
    if code == 0:
        assert [p for p in new if p.suffix == ".png"]
