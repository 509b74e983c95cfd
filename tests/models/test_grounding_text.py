"""Text prompts through the session with the shipped networks: grounding into the round's box for any segmenter,
spatial words on a two-person photo made from two copies of the bundled one, "both", the messages, the person prior,
and the ISCN's own text path left as it was."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from mattestudio.interaction.edge import EdgeSettings
from mattestudio.interaction.grounding.scenes import pair
from mattestudio.interaction.grounding.step import GroundingError, GroundingStep
from mattestudio.interaction.prompts import Box, Click, Text
from mattestudio.interaction.session import Session
from mattestudio.models import registry
from mattestudio.models.classic.prior import add_prior

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def astronaut():
    from mattestudio.interaction.imageio import load_image
    from mattestudio.interaction.samples import sample_path

    return load_image(sample_path()).rgb


@pytest.fixture(scope="module")
def person_mask():
    return cv2.imread(str(ROOT / "tests" / "data" / "astronaut_person.png"), cv2.IMREAD_GRAYSCALE) > 127


def _iou(a, b):
    return (a & b).sum() / max(1, (a | b).sum())


class SpySegmenter:
    """The classic segmenter, keeping the requests it was given."""

    name, accepts_text = "spy", False

    def __init__(self, accepts_text=False):
        self.accepts_text = accepts_text
        self.inner = registry.create("classic", "segmenter")
        self.requests = []

    def segment(self, request, progress, cancel):
        self.requests.append(request)
        return self.inner.segment(request, progress, cancel)


def _box_of(session, name):
    boxes = [p for p in session.instance(name).rounds[-1].prompts if isinstance(p, Box)]
    return boxes[-1]


def test_left_and_right_pick_the_two_people(astronaut):
    two = pair(astronaut, astronaut)
    s = Session(two)
    centres = {}
    for text in ("the person on the left", "the person on the right"):
        s.add_instance(text)
        s.run_round(text, [Text(text)])
        b = _box_of(s, text)
        centres[text] = (b.x0 + b.x1) / 2
    assert centres["the person on the left"] < 512 < centres["the person on the right"]


def test_both_people_makes_two_instances(astronaut, person_mask):
    two = pair(astronaut, astronaut)
    s = Session(two)
    s.add_instance("people")
    s.run_round("people", [Text("both people")])
    assert list(s.instances) == ["people", "people 2"]
    truths = [pair(person_mask, np.zeros_like(person_mask)), pair(np.zeros_like(person_mask), person_mask)]
    alphas = s.alphas()
    for name, truth in zip(s.instances, truths):
        rnd = s.instance(name).rounds[-1]
        assert any(isinstance(p, Text) for p in rnd.prompts) and any(isinstance(p, Box) for p in rnd.prompts)
        assert _iou(alphas[name] >= 0.5, truth) > 0.8, name
    # undo of the round takes the instance it created with it; redo brings it back with its result
    s.instance("people 2").edge = EdgeSettings(feather=2.0)
    before = s.instance("people 2").result.alpha
    assert s.undo("people")
    assert list(s.instances) == ["people"] and s.instance("people").result is None
    assert list(s.alphas()) == []
    assert s.redo("people")
    assert list(s.instances) == ["people", "people 2"]
    assert s.instance("people").result.grounding is not None  # the round came back packed, its detections too
    assert s.instance("people 2").edge.feather == 2.0
    np.testing.assert_array_equal(s.instance("people 2").result.alpha, before)
    # an instance the user removed after the round stays removed through undo and redo
    s.remove_instance("people 2")
    assert s.undo("people") and s.redo("people")
    assert list(s.instances) == ["people"]


def test_messages_for_an_unknown_class_and_a_missing_one(astronaut):
    s = Session(astronaut)
    s.add_instance("a")
    with pytest.raises(GroundingError, match=r"^'sieve' is not a class the detector knows: draw a box$"):
        s.run_round("a", [Text("the sieve")])
    with pytest.raises(GroundingError, match=r"^no dog in this photo; found: 1 person"):
        s.run_round("a", [Text("the dog")])
    assert not s.instance("a").rounds
    # beside a box of the user's the round still runs, and says why the text was not used
    r = s.run_round("a", [Box(10, 10, 370, 511), Text("the dog")])
    assert any("no dog in this photo" in w for w in r.warnings)


def test_text_works_with_classic_and_mixed_prompts(astronaut, person_mask):
    spy = SpySegmenter()
    s = Session(astronaut, spy)
    s.add_instance("a")
    r1 = s.run_round("a", [Text("the woman")])
    req = spy.requests[-1]
    assert req.prompts.boxes and not req.new_prompts.texts  # the text became the round's box
    assert req.prior is not None and req.prior[250, 200] > 0.9  # and the person prior
    assert _iou(r1.alpha >= 0.5, person_mask) > 0.85
    # a text beside the user's own box: the box stays the round's box
    s.add_instance("b")
    s.run_round("b", [Box(5, 5, 380, 511), Text("the woman")])
    assert spy.requests[-1].prompts.boxes == ((5, 5, 380, 511),)
    # beside clicks: the detection that holds the click becomes the box
    s.add_instance("c")
    s.run_round("c", [Click(220, 300), Text("the person")])
    b = _box_of(s, "c")
    assert b.x0 < 220 < b.x1 and b.y1 > 400


def test_clicks_still_win_over_the_person_prior(astronaut):
    s = Session(astronaut)
    s.add_instance("a")
    s.run_round("a", [Text("the woman")])
    assert s.instance("a").result.alpha[380, 170] > 0.5  # the badge on her suit
    r = s.run_round("a", [Click(170, 380, False)])
    assert r.prob[380, 170] < 0.5


def test_the_prior_is_only_for_people(astronaut):
    from skimage import data

    step = GroundingStep()
    cat = pair(astronaut, data.chelsea())
    spy = SpySegmenter()
    s = Session(cat, spy)
    s.grounding = step
    s.add_instance("cat")
    s.run_round("cat", [Text("the cat")])
    assert spy.requests[-1].prior is None
    b = _box_of(s, "cat")
    assert b.x0 > 450  # the cat is on the right
    # a box round over the person, no text: no prior by default; with "detect" the detection under the box makes it
    # a person
    s.add_instance("p")
    s.run_round("p", [Box(10, 10, 370, 511)])
    assert spy.requests[-1].prior is None
    s.grounding = GroundingStep(prior="detect")
    s.run_round("p", [Click(200, 300)])
    assert spy.requests[-1].prior is not None
    s.add_instance("c")
    s.run_round("c", [Box(520, 5, 1270, 511)])  # the cat's box: no person under it
    assert spy.requests[-1].prior is None


def test_a_text_reading_segmenter_keeps_its_text(astronaut):
    spy = SpySegmenter(accepts_text=True)
    s = Session(astronaut, spy)
    s.add_instance("a")
    s.run_round("a", [Text("the leftmost shape")])  # a synthetic stream expression: not grounded
    req = spy.requests[-1]
    assert req.new_prompts.texts == ("the leftmost shape",) and not req.prompts.boxes
    s.run_round("a", [Text("the sieve")])  # unknown to the detector: left to the segmenter, no error
    assert spy.requests[-1].new_prompts.texts == ("the sieve",)
    s.run_round("a", [Text("the woman")])  # a class: grounded, and the segmenter still reads the text
    assert spy.requests[-1].new_prompts.texts == ("the woman",) and spy.requests[-1].prompts.boxes


def test_add_prior_moves_the_unaries_only_where_it_has_an_opinion():
    fg, bg = np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32)
    prior = np.full((8, 8), 0.5, np.float32)
    prior[:4, :4] = 0.99
    add_prior(fg, bg, prior)
    assert fg[0, 0] < bg[0, 0] and np.allclose(fg[3, 3], bg[3, 3])
