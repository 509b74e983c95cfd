"""``options.train_only``: a run that trains one part of a network leaves every other weight and statistic alone."""

import json

import torch
from safetensors.torch import load_file

from mattestudio.app.cli import main
from mattestudio.models.iscn.config import PRESETS
from mattestudio.models.iscn.network import ISCN

CFG = {"model": "iscn", "preset": "tiny", "net": {"input_size": 64}, "batch": 2, "eval_every": 100, "eval_count": 1,
       "checkpoint_every": 100, "seed": 7, "lr": 0.01,
       "options": {"scene_width": [96, 112], "tasks": {"box": 1, "text": 1}, "train_only": ["decoder.class_head"]}}


def test_train_only_changes_the_named_parameters_alone(tmp_path, background_folder, capsys):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(CFG))
    out = tmp_path / "run"
    args = ["train", "iscn", "--config", str(path), "--data", str(background_folder), "--no-progress"]
    assert main(args + ["--out", str(out), "--steps", "3"]) == 0
    torch.manual_seed(CFG["seed"])
    before = ISCN(PRESETS["tiny"].with_options(**CFG["net"])).state_dict()
    after = load_file(str(out / "checkpoint" / "model.safetensors"))
    changed = {k for k, v in before.items() if not torch.equal(v, after[k].to(v.dtype))}
    assert changed and all(k.startswith("decoder.class_head") for k in changed), sorted(changed)[:5]
    assert any(k.endswith("running_mean") for k in before)  # the frozen encoder's batch statistics stayed put

    capsys.readouterr()
    path.write_text(json.dumps(dict(CFG, options=dict(CFG["options"], train_only=["decoder.no_such_part"]))))
    assert main(args + ["--out", str(tmp_path / "bad"), "--steps", "1"]) == 2
    assert "names no parameter" in capsys.readouterr().err
