"""Reading text prompts (class, spatial, ordinal, colour and quantity words) and choosing among detections."""

import numpy as np
import pytest

from mattestudio.interaction.grounding.parse import parse_query
from mattestudio.interaction.grounding.select import Hint, NoMatch, choose, colour_share, found_text
from mattestudio.models.grounding.types import COCO_CLASSES, DetectionField, nms

P, CAT, DOG, CUP, CHAIR, TEDDY, CAR = (COCO_CLASSES.index(n) for n in
                                       ("person", "cat", "dog", "cup", "chair", "teddy bear", "car"))


@pytest.mark.parametrize("text, label", [
    ("the woman", P), ("a man", P), ("the girl", P), ("that boy", P), ("the child", P), ("the people", P),
    ("the astronaut", P), ("the dog", DOG), ("the puppy", DOG), ("the cat", CAT), ("the kittens", CAT),
    ("the teddy bear", TEDDY), ("the plush toy", TEDDY), ("the stuffed animal", TEDDY), ("the mug", CUP),
    ("the chairs", CHAIR), ("the wine glass", COCO_CLASSES.index("wine glass")),
    ("the cell phone", COCO_CLASSES.index("cell phone")), ("the hot dog", COCO_CLASSES.index("hot dog")),
    ("the orange", COCO_CLASSES.index("orange")), ("the motorbike", COCO_CLASSES.index("motorcycle")),
    ("the sofa", COCO_CLASSES.index("couch")), ("the man with the tie", P), ("the dog next to the cat", DOG),
])
def test_class_words(text, label):
    q = parse_query(text)
    assert q.known and not q.generic and q.labels == (label,), q


@pytest.mark.parametrize("text, relation, ordinal", [
    ("the person on the left", "left", None), ("the leftmost dog", "left", None),
    ("the person furthest to the right", "right", None), ("the cat in the middle", "middle", None),
    ("the centre person", "middle", None), ("the dog at the top", "top", None), ("the bottom cup", "bottom", None),
    ("the person in front", "front", None), ("the nearest car", "front", None), ("the dog at the back", "back", None),
    ("the person in the background", "back", None), ("the biggest dog", "largest", None),
    ("the smallest cat", "smallest", None), ("the second person from the left", "left", 2),
    ("the third cup from the right", "right", 3), ("the second largest dog", "largest", 2),
    ("the last person", None, -1), ("the first cat", None, 1), ("the big dog on the left", "left", None),
])
def test_spatial_and_ordinal_words(text, relation, ordinal):
    q = parse_query(text)
    assert (q.relation, q.ordinal) == (relation, ordinal), q


@pytest.mark.parametrize("text, colour, label", [
    ("the red car", "red", CAR), ("the man in white", "white", P), ("the grey cat", "grey", CAT),
    ("the gray cat", "grey", CAT), ("the orange cat", "orange", CAT), ("the woman in the orange suit", "orange", P),
    ("the blue one", "blue", None), ("the black dog on the right", "black", DOG),
])
def test_colour_words(text, colour, label):
    q = parse_query(text)
    assert q.colour == colour, q
    assert (q.generic if label is None else q.labels == (label,))


@pytest.mark.parametrize("text, quantity", [
    ("both people", "both"), ("all the dogs", "all"), ("every cat", "all"), ("everyone", "all"),
    ("the cats", "all"), ("the person", None), ("the two people on the left", None),
])
def test_quantities(text, quantity):
    assert parse_query(text).quantity == quantity


@pytest.mark.parametrize("text, noun", [("the sieve", "sieve"), ("a metal sieve on the table", "metal sieve"),
                                        ("the thingamajig on the left", "thingamajig")])
def test_unknown_nouns_are_reported(text, noun):
    q = parse_query(text)
    assert not q.known and q.noun == noun
    with pytest.raises(NoMatch, match=f"'{noun}' is not a class the detector knows: draw a box"):
        choose(q, _field([]), np.zeros((10, 10, 3), np.uint8))


def test_generic_words_pick_among_everything():
    q = parse_query("the object on the right")
    assert q.generic and q.relation == "right" and len(q.labels) == 80
    assert parse_query("second from the left").generic


# ---------------------------------------------------------------- choosing
def _field(dets, n=80):
    """A detection field of (label, score, box) rows."""
    boxes = np.array([d[2] for d in dets], np.float32).reshape(-1, 4)
    scores = np.zeros((len(dets), n), np.float32)
    for i, (label, score, _) in enumerate(dets):
        scores[i, label] = score
    return DetectionField(boxes, scores)


IMG = np.zeros((200, 400, 3), np.uint8)
# three people: small on the left (far back), big in the middle (front), medium on the right; a chair
PEOPLE = [(P, 0.9, (10, 40, 60, 100)), (P, 0.8, (150, 20, 250, 190)), (P, 0.7, (300, 50, 380, 150)),
          (CHAIR, 0.6, (260, 120, 320, 180))]


@pytest.mark.parametrize("text, x0", [
    ("the person on the left", 10), ("the person on the right", 300), ("the person in the middle", 150),
    ("the biggest person", 150), ("the smallest person", 10), ("the person in front", 150),
    ("the person at the back", 10), ("the person at the top", 10), ("the person at the bottom", 150),
    ("the second person from the left", 150), ("the second person from the right", 150),
    ("the third person from the left", 300), ("the last person", 300), ("the person", 10),
    ("the object on the right", 300), ("the chair", 260),
])
def test_relations_pick_the_named_detection(text, x0):
    c = choose(parse_query(text), _field(PEOPLE), IMG)
    assert len(c.chosen) == 1 and c.chosen[0].box[0] == x0, (text, c.chosen)


def test_all_both_and_plurals_choose_several():
    f = _field(PEOPLE)
    assert [d.box[0] for d in choose(parse_query("all the people"), f, IMG).chosen] == [10, 150, 300]
    assert [d.box[0] for d in choose(parse_query("the people"), f, IMG).chosen] == [10, 150, 300]
    assert [d.box[0] for d in choose(parse_query("both people"), f, IMG).chosen] == [10, 150]  # the two best
    one = choose(parse_query("both dogs"), _field([(DOG, 0.8, (0, 0, 50, 50))]), IMG)
    assert len(one.chosen) == 1 and "only one dog" in one.note


def test_the_named_class_is_scored_not_the_top_class():
    # a cell whose top class is "cow" but that scores 0.5 as "dog": "the dog" still finds it
    f = _field([(DOG, 0.5, (10, 10, 90, 90))])
    f.scores[0, COCO_CLASSES.index("cow")] = 0.7
    assert choose(parse_query("the dog"), f, IMG).chosen[0].label == DOG


def test_weak_duplicates_do_not_count():
    f = _field([(P, 0.8, (10, 10, 90, 190)), (P, 0.32, (300, 10, 390, 190))])
    assert choose(parse_query("the person on the right"), f, IMG).chosen[0].box[0] == 10


def test_no_detection_message_says_what_was_found():
    with pytest.raises(NoMatch, match=r"^no dog in this photo; found: 3 persons, 1 chair$"):
        choose(parse_query("the dog"), _field(PEOPLE), IMG)
    with pytest.raises(NoMatch, match="no cat in this photo; found: nothing it knows"):
        choose(parse_query("the cat"), _field([]), IMG)
    with pytest.raises(NoMatch, match="only 3 persons found"):
        choose(parse_query("the fifth person from the left"), _field(PEOPLE), IMG)
    assert found_text(_field(PEOPLE)) == "3 persons, 1 chair"


def test_hints_from_the_round_narrow_the_choice():
    f = _field(PEOPLE)
    assert choose(parse_query("the person"), f, IMG, Hint(box=(280, 30, 399, 199))).chosen[0].box[0] == 300
    assert choose(parse_query("the person"), f, IMG, Hint(points=((200, 100),))).chosen[0].box[0] == 150
    # a point on no person: the hint is ignored
    assert choose(parse_query("the person"), f, IMG, Hint(points=((5, 5),))).chosen[0].box[0] == 10


def test_colour_words_pick_by_lab_prototype():
    img = np.zeros((100, 300, 3), np.uint8)
    img[:, :100] = (200, 30, 30)  # red
    img[:, 100:200] = (30, 60, 200)  # blue
    img[:, 200:] = (240, 240, 240)  # white
    dets = [(CAR, 0.9, (0, 0, 99, 99)), (CAR, 0.8, (100, 0, 199, 99)), (CAR, 0.7, (200, 0, 299, 99))]
    f = _field(dets)
    for text, x0 in (("the red car", 0), ("the blue car", 100), ("the white car", 200)):
        assert choose(parse_query(text), f, img).chosen[0].box[0] == x0, text
    assert colour_share(img, (0, 0, 99, 99), "red") > 0.9 and colour_share(img, (0, 0, 99, 99), "blue") == 0
    # colour with a relation: among the red ones, the rightmost
    img[:, 200:] = (210, 40, 40)
    assert choose(parse_query("the red car on the right"), f, img).chosen[0].box[0] == 200


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.4]), 0.6) == [1, 2]
