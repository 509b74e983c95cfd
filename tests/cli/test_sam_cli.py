"""``mattestudio matte --segmenter iscn:preset=sam_b --weights sam_vit_b=FILE --mask m.png`` writes SAM's mask for the
round (compared with segment-anything's SamPredictor); the NAME:key=value syntax and --weights refuse bad input with
one line."""

import json

import cv2
import numpy as np
import pytest

from mattestudio.app.cli import main


def test_matte_with_the_sam_b_preset_writes_sams_mask(sam_b, tmp_path, capsys):
    image = tmp_path / "photo.png"
    cv2.imwrite(str(image), cv2.cvtColor(sam_b.image, cv2.COLOR_RGB2BGR))
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"instances": [{"name": "disc", "rounds": [
        [{"type": "box", "x0": 100, "y0": 60, "x1": 300, "y1": 240}]]}]}))
    mask = tmp_path / "m.png"
    code = main(["matte", str(image), "--prompts", str(prompts), "-o", str(tmp_path / "a.png"), "--mask", str(mask),
                 "--segmenter", "iscn:preset=sam_b", "--weights", f"sam_vit_b={sam_b.path}"])
    err = capsys.readouterr().err
    assert code == 0
    assert "is not the published one for 'sam_vit_b'" in err and "unverified" in err  # the warning names its sha256
    logits = sam_b.reference.predict(box=np.array([100, 60, 300, 240]), multimask_output=False,
                                     return_logits=True)[0][0]
    written = cv2.imread(str(mask), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(written == 255, logits > 0)


@pytest.mark.parametrize("args, message", [
    (["--segmenter", "iscn:colour=red"], "has no option 'colour'"),
    (["--segmenter", "iscn:preset"], "is not key=value"),
    (["--segmenter", "iscn:preset=sam_x"], "unknown ISCN preset 'sam_x'"),
    (["--refiner", "classic:preset=a,preset=b"], "given twice"),
    (["--weights", "sam_vit_q=x.pth"], "unknown weights name 'sam_vit_q'"),
    (["--weights", "sam_vit_b=/nonexistent/sam.pth"], "no such file"),
    (["--weights", "sam_vit_b"], "use NAME=PATH"),
])
def test_bad_backend_options_and_weights_are_one_line_errors(tmp_path, disc_image, capsys, args, message):
    image = tmp_path / "photo.png"
    cv2.imwrite(str(image), disc_image[0])
    prompts = tmp_path / "p.json"
    prompts.write_text(json.dumps({"instances": [{"name": "a", "rounds": [
        [{"type": "box", "x0": 10, "y0": 10, "x1": 100, "y1": 100}]]}]}))
    code = main(["matte", str(image), "--prompts", str(prompts), "-o", str(tmp_path / "a.png")] + args)
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_models_lists_presets_with_their_files(sam_b, capsys):
    assert main(["models", "--weights", f"sam_vit_b={sam_b.path}"]) == 0
    out = capsys.readouterr().out
    assert "preset iscn:preset=sam_b - ready (unverified file)" in out
    assert f"sam_vit_b: named, UNVERIFIED (plain tensors) ({sam_b.path})" in out
    assert "preset iscn:preset=sam_h - no weights file: runs with random weights" in out
