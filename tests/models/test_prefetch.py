"""Batches made ahead in worker processes are the batches of the serial stream; a chunk can end on time."""

import json

import numpy as np
import pytest

from mattestudio.app.cli import main
from mattestudio.interaction.prefetch import Prefetch
from mattestudio.interaction.synth.dataset import load_backgrounds
from mattestudio.interaction.synth.stream import SceneConfig
from mattestudio.interaction.training import SynthSource

CFG = {"model": "iscn", "preset": "tiny", "net": {"input_size": 64}, "batch": 2, "eval_every": 100, "eval_count": 1,
       "checkpoint_every": 100, "seed": 7, "options": {"scene_width": [96, 112], "tasks": {"box": 1, "text": 1},
                                                        "follow_up": 0.5}}


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(x, f), getattr(y, f)) for x, y in zip(a, b, strict=True)
               for f in ("image", "target", "conflict"))


def test_prefetched_batches_are_the_serial_ones(background_folder):
    src = SynthSource(load_backgrounds(background_folder), seed=2, scene=SceneConfig(width=(96, 112)),
                      tasks={"box": 1, "text": 1, "clicks": 1}, segmenter_coarse=0.0)
    with Prefetch(src, workers=2, ahead=3) as pre:
        for step in (0, 1, 2, 7, 8):  # in order, then a jump (a resumed run)
            got, want = pre.segment_batch(step, 2), src.segment_batch(step, 2)
            assert _same(got, want) and [s.task for s in got] == [s.task for s in want]
            assert [s.prompts.texts for s in got] == [s.prompts.texts for s in want]
        m, n = pre.matte_batch(3, 2), src.matte_batch(3, 2)
        assert all(np.array_equal(a.alpha, b.alpha) and np.array_equal(a.coarse, b.coarse) for a, b in zip(m, n))
        # the round after the network's answer still comes from the wrapped source (it needs the answer)
        first = got[0]
        prob = np.zeros(first.target.shape, np.float32)
        assert first.source[0].foregrounds == [] and want[0].source[0].foregrounds  # sent without the textures
        a, b = pre.follow_up(first, prob, 8, 0), src.follow_up(want[0], prob, 8, 0)
        assert _same([a], [b]) and np.array_equal(a.prompts.clicks, b.prompts.clicks)
        assert len(a.prompts.strokes) == len(b.prompts.strokes)
    with pytest.raises(ValueError, match="at least one worker"):
        Prefetch(src, workers=0)


def _losses(out) -> list[float]:
    return [x["loss"] for x in map(json.loads, (out / "log.jsonl").read_text().splitlines()) if "loss" in x]


def test_training_with_workers_matches_and_a_chunk_ends_on_time(tmp_path, background_folder, capsys):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(CFG))
    args = ["train", "iscn", "--config", str(path), "--data", str(background_folder), "--no-progress"]
    assert main(args + ["--out", str(tmp_path / "serial"), "--steps", "3"]) == 0
    assert main(args + ["--out", str(tmp_path / "ahead"), "--steps", "3", "--workers", "2"]) == 0
    serial, ahead = _losses(tmp_path / "serial"), _losses(tmp_path / "ahead")
    assert len(serial) == 3 and serial == ahead  # same batches, same seed: the same run, bit for bit
    capsys.readouterr()
    # a chunk given almost no time ends after its first step, with a checkpoint, an evaluation and weights
    out = tmp_path / "timed"
    assert main(args + ["--out", str(out), "--steps", "50", "--minutes", "0.00001", "--workers", "1"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["step"] == 1 and "iou_box" in result["eval"]
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 1
    assert main(args + ["--out", str(out), "--steps", "50", "--minutes", "0"]) == 2
    assert "--minutes must be positive" in capsys.readouterr().err
    assert main(args + ["--out", str(out), "--steps", "50", "--workers", "-1"]) == 2
