"""The training stream (shapes, ranges, determinism per seed, held-out split) and ``mattestudio train`` with resume."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from mattestudio.app.cli import main
from mattestudio.interaction.synth.dataset import load_backgrounds
from mattestudio.interaction.synth.stream import HELD_OUT, TRAIN, SceneConfig, make_scene, scene_seed
from mattestudio.interaction.training import SynthSource

SMALL = SceneConfig(width=(96, 128))


@pytest.fixture(scope="module")
def photos(background_folder):
    return load_backgrounds(background_folder)


def test_scene_shapes_ranges_and_determinism(photos):
    a = make_scene(scene_seed(TRAIN, 1, 0), photos, SMALL)
    b = make_scene(scene_seed(TRAIN, 1, 0), photos, SMALL)
    c = make_scene(scene_seed(HELD_OUT, 1, 0), photos, SMALL)
    h, w = a.image.shape[:2]
    assert a.image.dtype == np.uint8 and a.image.shape[2] == 3 and 96 <= w <= 128
    assert np.array_equal(a.image, b.image) and not np.array_equal(a.image, c.image)
    assert 1 <= len(a.alphas) <= 4 and len(a.facts) == len(a.alphas) == len(a.full)
    for vis, own in zip(a.alphas, a.full):
        assert vis.shape == (h, w) and vis.dtype == np.float32
        assert 0.0 <= vis.min() and vis.max() <= 1.0 and np.all(vis <= own + 1e-6)
    assert np.stack(a.alphas).sum(0).max() <= 1.0 + 1e-5  # occlusion: visible alphas never add above 1
    soft = [((v > 0.05) & (v < 0.95)).mean() for v in a.alphas]
    assert max(soft) > 0  # true soft alpha, not binary masks


def test_rounds_of_every_task(photos):
    src = SynthSource(photos, seed=2, scene=SMALL, tasks={"box": 1, "text": 1, "mixed": 1, "clicks": 1,
                                                          "scribbles": 1})
    seen = set()
    for step in range(40):
        if len(seen) == 5:
            break
        batch = src.segment_batch(step, 2)
        assert [s.task for s in batch] == [batch[0].task] * 2  # one kind per batch
        assert [s.prompts.texts for s in src.segment_batch(step, 2)] == [s.prompts.texts for s in batch]
        for s in batch:
            seen.add(s.task)
            h, w = s.image.shape[:2]
            assert s.target.shape == (h, w) and s.target.dtype == bool and s.target.any()
            assert set(np.unique(s.conflict)) <= {0, 1, 2}
            if s.task in ("clicks", "scribbles"):
                assert s.prev_prob is not None and s.prev_prob.shape == (h, w) and len(s.prompts.boxes) == 1
                assert len(s.prompts.clicks) + len(s.prompts.strokes) >= 1
            if s.task in ("text", "mixed"):
                assert s.prompts.texts and s.kind
    assert seen == {"box", "text", "mixed", "clicks", "scribbles"}
    m = src.matte_batch(0, 2)[0]
    assert m.coarse.shape == m.alpha.shape and 0 <= m.coarse.min() and m.coarse.max() <= 1


def test_train_resumes_and_continues_the_step_count(tmp_path, background_folder):
    cfg = {"model": "iscn", "preset": "tiny", "net": {"input_size": 64}, "batch": 2, "eval_every": 3,
           "eval_count": 1, "checkpoint_every": 2, "seed": 4,
           "options": {"scene_width": [96, 112], "tasks": {"box": 1, "text": 1}}}
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    out = tmp_path / "run"
    args = ["train", "iscn", "--config", str(path), "--out", str(out), "--data", str(background_folder),
            "--no-progress"]
    assert main(args + ["--steps", "4", "--until", "2"]) == 0
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["step"] == 2
    with open(out / "log.jsonl", "a") as f:  # a run stopped between checkpoints left a step after the checkpoint
        f.write(json.dumps({"step": 3, "loss": 9.0}) + "\n")
    assert main(args + ["--steps", "4", "--resume", "--device", "cpu"]) == 0
    assert json.loads((out / "checkpoint" / "state.json").read_text())["config"]["device"] == "cpu"
    lines = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    steps = [x["step"] for x in lines if "loss" in x]
    assert steps == [1, 2, 3, 4] and 9.0 not in [x["loss"] for x in lines if "loss" in x]
    evals = [x for x in lines if "eval" in x]
    assert evals and "iou_box" in evals[-1]["eval"]
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 4
    assert (out / "iscn_tiny.safetensors").stat().st_size < 16 * 2 ** 20


def test_pairs_aim_at_two_instances_of_one_scene(photos):
    src = SynthSource(photos, seed=3, scene=SceneConfig(width=(96, 128), instances=(2, 3)), tasks={"box": 1},
                      pairs=True)
    a, b = src.segment_batch(0, 2)
    assert np.array_equal(a.image, b.image) and not np.array_equal(a.target, b.target)


def test_train_warm_starts_from_checked_weights(tmp_path, background_folder, capsys):
    base = {"model": "iscn", "preset": "tiny", "net": {"input_size": 64}, "batch": 2, "eval_every": 0,
            "eval_count": 1, "checkpoint_every": 1, "seed": 5, "options": {"scene_width": [96, 112],
                                                                           "tasks": {"box": 1}}}
    args = ["train", "iscn", "--data", str(background_folder), "--no-progress", "--steps", "1"]
    first = tmp_path / "first.json"
    first.write_text(json.dumps(base))
    assert main(args + ["--config", str(first), "--out", str(tmp_path / "a")]) == 0
    made = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # a warm start with no learning rate: the exported parameters are the ones it started from, bit for bit
    # (batch-norm statistics move in a training step whatever the learning rate)
    warm = dict(base, lr=0.0, weight_decay=0.0, seed=6,
                options=dict(base["options"], init_weights=made["weights"], init_sha256=made["sha256"]))
    second = tmp_path / "second.json"
    second.write_text(json.dumps(warm))
    assert main(args + ["--config", str(second), "--out", str(tmp_path / "b")]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    a, b = load_file(made["weights"]), load_file(again["weights"])
    learned = [k for k in a if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    assert a.keys() == b.keys() and len(learned) > 50
    assert all(torch.equal(a[k], b[k]) for k in learned)
    cold = tmp_path / "cold.json"  # the same run without the warm start begins from other weights
    cold.write_text(json.dumps(dict(warm, options=base["options"])))
    assert main(args + ["--config", str(cold), "--out", str(tmp_path / "d")]) == 0
    c = load_file(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["weights"])
    assert not all(torch.equal(a[k], c[k]) for k in learned)
    # a file that is not the one named is refused with a one-line error
    second.write_text(json.dumps(dict(warm, options=dict(warm["options"], init_sha256="0" * 64))))
    assert main(args + ["--config", str(second), "--out", str(tmp_path / "c")]) == 2
    assert "does not match" in capsys.readouterr().err


def test_every_shipped_training_config_is_valid(photos):
    """The configs the model cards name parse, name a known model and known keys, build their data source, and a warm
    start pins the file it starts from by sha256."""
    from pathlib import Path

    from mattestudio.interaction.training import MODELS, load_config, source_for, trainers
    from mattestudio.models import training as training_pkg

    configs = sorted((Path(training_pkg.__file__).parent / "configs").glob("*.json"))
    assert len(configs) >= 4
    for path in configs:
        raw = json.loads(path.read_text())
        assert raw["model"] in MODELS, path.name
        cfg = load_config(path, raw["model"])
        run_cfg = trainers().RunConfig.from_dict(cfg)
        assert run_cfg.steps > 0 and run_cfg.batch > 0, path.name
        source_for(cfg, photos)
        opts = cfg.get("options", {})
        if "init_weights" in opts:
            sha = opts.get("init_sha256", "")
            assert len(sha) == 64 and int(sha, 16) >= 0, path.name


def test_edge_only_coarse_masks_move_only_the_edge(photos):
    """A refiner's "mostly right" coarse masks: only grown or shrunk at the edge, never with parts cut off; the stream
    gives them for the configured share of examples, and a share outside 0-1 is refused."""
    import cv2

    from mattestudio.interaction.synth.rounds import edge_corrupt
    from mattestudio.interaction.training import TrainingError, source_for

    gt = np.zeros((128, 128), np.uint8)
    cv2.circle(gt, (64, 64), 30, 1, -1)
    gt = gt.astype(bool)
    edge = cv2.distanceTransform((~gt).astype(np.uint8), cv2.DIST_L2, 3) + cv2.distanceTransform(
        gt.astype(np.uint8), cv2.DIST_L2, 3)
    for seed in range(20):
        m = edge_corrupt(np.random.default_rng(seed), gt)
        changed = m != gt
        assert changed.any() and edge[changed].max() <= 0.02 * 128 + 1.5
        assert (m & gt).sum() / (m | gt).sum() > 0.85
    errors = {}
    for share in (0.0, 1.0):
        batch = SynthSource(photos, seed=4, scene=SMALL, edge_coarse=share).matte_batch(0, 8)
        errors[share] = np.mean([np.abs(s.coarse - s.alpha).mean() for s in batch])
    assert errors[1.0] < 0.7 * errors[0.0]
    with pytest.raises(TrainingError, match="edge_coarse"):
        source_for({"model": "mrn", "options": {"edge_coarse": 1.5}}, photos)


def test_the_device_option_overrides_the_config(tmp_path):
    from mattestudio.interaction.training import TrainingError, load_config

    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"model": "mrn", "device": "cpu"}))
    assert load_config(path, "mrn")["device"] == "cpu"
    assert load_config(path, "mrn", device="cuda")["device"] == "cuda"
    with pytest.raises(TrainingError, match="device must be one of"):
        load_config(path, "mrn", device="tpu")
