"""``mattestudio matte`` with a text prompt on the bundled photo, with the default back-ends."""

import json
from pathlib import Path

import cv2
import pytest

from mattestudio.app.cli import main
from mattestudio.interaction.samples import sample_path

ROOT = Path(__file__).resolve().parents[2]


def _prompts(tmp_path, text, name="a"):
    p = tmp_path / "prompts.json"
    p.write_text(json.dumps({"instances": [{"name": name, "rounds": [[{"type": "text", "text": text}]]}]}))
    return p


def test_the_woman_mattes_the_astronaut(tmp_path, capsys):
    out = tmp_path / "a.png"
    assert main(["matte", str(sample_path()), "--prompts", str(_prompts(tmp_path, "the woman")), "-o", str(out)]) == 0
    alpha = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE) >= 128
    truth = cv2.imread(str(ROOT / "tests" / "data" / "astronaut_person.png"), cv2.IMREAD_GRAYSCALE) > 127
    iou = (alpha & truth).sum() / (alpha | truth).sum()
    print(f"\nIoU with the hand-made mask: {iou:.3f}")
    assert iou >= 0.8


@pytest.mark.parametrize("text, message", [("the sieve", "'sieve' is not a class the detector knows: draw a box"),
                                           ("the dog", "no dog in this photo; found: 1 person")])
def test_texts_that_name_nothing_exit_with_one_line(tmp_path, capsys, text, message):
    code = main(["matte", str(sample_path()), "--prompts", str(_prompts(tmp_path, text)), "-o",
                 str(tmp_path / "a.png")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("mattestudio: error:") and message in err[0]


def test_all_writes_one_matte_per_detection(tmp_path):
    from mattestudio.interaction.grounding.scenes import pair
    from mattestudio.interaction.imageio import load_image

    img = load_image(sample_path()).rgb
    two = tmp_path / "two.png"
    cv2.imwrite(str(two), cv2.cvtColor(pair(img, img), cv2.COLOR_RGB2BGR))
    out = tmp_path / "mattes"
    out.mkdir()
    assert main(["matte", str(two), "--prompts", str(_prompts(tmp_path, "all the people", "person")), "-o",
                 str(out / "person.png")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["person 2.png", "person.png"]  # one more beside it
