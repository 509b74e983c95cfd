"""Words a text prompt is read with: the detector's 80 COCO classes with synonyms and plurals, category words, spatial
and ordinal words, quantifiers, and colour names with their Lab prototypes."""

from __future__ import annotations

from mattestudio.models.grounding.types import COCO_CLASSES

#: extra names of a class (its COCO name is always one); plurals are added by :func:`plural`
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "person": ("people", "man", "men", "woman", "women", "girl", "boy", "child", "children", "kid", "baby",
               "babies", "lady", "ladies", "gentleman", "gentlemen", "guy", "human", "adult", "toddler", "teenager",
               "astronaut", "player", "someone", "somebody", "pedestrian", "worker",
               "photographer", "cameraman", "cameramen", "mother", "father", "daughter", "son", "bride", "groom"),
    "bicycle": ("bike", "cycle"),
    "car": ("automobile", "taxi", "sedan"),
    "motorcycle": ("motorbike", "moped", "scooter"),
    "airplane": ("aeroplane", "plane", "jet", "aircraft", "airliner"),
    "train": ("locomotive", "tram"),
    "truck": ("lorry", "pickup"),
    "boat": ("ship", "yacht", "canoe", "kayak", "sailboat"),
    "traffic light": ("traffic signal",),
    "fire hydrant": ("hydrant",),
    "bird": ("parrot", "pigeon", "duck", "seagull", "gull", "owl", "goose", "geese", "swan", "ostrich", "chicken"),
    "cat": ("kitten", "kitty", "tomcat"),
    "dog": ("puppy", "pup", "doggy", "hound"),
    "horse": ("pony", "foal"),
    "sheep": ("lamb",),
    "cow": ("cattle", "calf", "calves", "bull", "ox", "oxen"),
    "backpack": ("rucksack",),
    "handbag": ("purse", "bag"),
    "tie": ("necktie",),
    "suitcase": ("luggage",),
    "skis": ("ski",),
    "sports ball": ("ball", "football", "soccer ball", "basketball", "volleyball"),
    "baseball glove": ("glove", "mitt"),
    "tennis racket": ("racket", "racquet"),
    "wine glass": ("glass", "wineglass"),
    "cup": ("mug", "teacup", "coffee cup", "coffee", "espresso"),
    "donut": ("doughnut",),
    "couch": ("sofa",),
    "potted plant": ("plant", "houseplant", "pot plant", "bonsai"),
    "dining table": ("table",),
    "tv": ("television", "monitor", "screen"),
    "laptop": ("notebook computer",),
    "remote": ("remote control",),
    "cell phone": ("phone", "cellphone", "mobile phone", "smartphone"),
    "refrigerator": ("fridge",),
    "teddy bear": ("teddy", "plush", "plushie", "plush toy", "stuffed animal", "stuffed toy", "soft toy",
                   "cuddly toy", "toy"),
    "hair drier": ("hair dryer", "hairdryer", "blow dryer"),
}

_IRREGULAR = {"person": "persons", "mouse": "mice", "knife": "knives", "sheep": "sheep", "skis": "skis",
              "scissors": "scissors", "bus": "buses", "glass": "glasses", "wine glass": "wine glasses",
              "sandwich": "sandwiches", "couch": "couches", "bench": "benches", "toothbrush": "toothbrushes",
              "box": "boxes", "watch": "watches", "ox": "oxen", "calf": "calves", "goose": "geese",
              "broccoli": "broccoli", "cattle": "cattle", "luggage": "luggage", "coffee": "coffee",
              "espresso": "espressos", "fish": "fish", "peach": "peaches", "people": "people", "kitty": "kitties",
              "doggy": "doggies", "pony": "ponies", "lady": "ladies", "baby": "babies", "everyone": "everyone",
              "everybody": "everybody", "someone": "someone", "somebody": "somebody", "tv": "tvs",
              "lorry": "lorries", "teddy": "teddies", "plushie": "plushies", "hair drier": "hair driers"}
#: words that already are plural forms (never pluralised again)
PLURAL_FORMS = {"people", "men", "women", "children", "babies", "ladies", "gentlemen", "geese", "calves", "oxen",
                 "cameramen", "cattle", "skis", "scissors"}


def plural(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    head, _, last = word.rpartition(" ")
    if last in _IRREGULAR:
        return (head + " " if head else "") + _IRREGULAR[last]
    if last.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _names() -> dict[str, int]:
    out: dict[str, int] = {}
    for label, name in enumerate(COCO_CLASSES):
        for n in (name,) + _SYNONYMS.get(name, ()):
            out[n] = label
            if n not in PLURAL_FORMS:
                out.setdefault(plural(n), label)
    return out


#: phrase (1-3 words, lower case) -> COCO label
CLASS_WORDS: dict[str, int] = _names()
#: the longest phrase in CLASS_WORDS, in words
MAX_PHRASE = max(len(k.split()) for k in CLASS_WORDS)


def _labels(*names: str) -> tuple[int, ...]:
    return tuple(COCO_CLASSES.index(n) for n in names)


#: words that name several classes at once
CATEGORY_WORDS: dict[str, tuple[int, ...]] = {}
for _words, _members in (
    (("animal", "animals", "pet", "pets", "creature", "creatures"),
     _labels("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe")),
    (("vehicle", "vehicles"), _labels("bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat")),
    (("fruit", "fruits"), _labels("banana", "apple", "orange")),
    (("food",), _labels("banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
                         "cake")),
    (("furniture",), _labels("chair", "couch", "bed", "dining table", "bench")),
):
    for _w in _words:
        CATEGORY_WORDS[_w] = _members

#: nouns that name no class: "the object on the left" picks among everything the detector found
GENERIC_WORDS = frozenset({"object", "objects", "thing", "things", "one", "ones", "item", "items", "shape",
                           "shapes", "subject", "subjects", "it", "something", "anything", "everything"})

#: spatial and size words -> relation
RELATION_WORDS = {
    "left": "left", "leftmost": "left", "right": "right", "rightmost": "right",
    "middle": "middle", "centre": "middle", "center": "middle", "central": "middle",
    "top": "top", "upper": "top", "topmost": "top", "above": "top", "highest": "top",
    "bottom": "bottom", "lower": "bottom", "bottommost": "bottom", "below": "bottom", "lowest": "bottom",
    "front": "front", "frontmost": "front", "foreground": "front", "nearest": "front", "closest": "front",
    "back": "back", "behind": "back", "rear": "back", "rearmost": "back", "background": "back",
    "farthest": "back", "furthest": "back", "far": "back",
    "biggest": "largest", "largest": "largest", "big": "largest", "large": "largest", "bigger": "largest",
    "larger": "largest", "tallest": "largest",
    "smallest": "smallest", "tiniest": "smallest", "small": "smallest", "little": "smallest", "tiny": "smallest",
    "smaller": "smallest", "shortest": "smallest",
}
#: "furthest to the left" and the like: the relation word that follows decides
RELATION_MODIFIERS = frozenset({"furthest", "farthest", "most", "far"})

ORDINAL_WORDS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                 "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "last": -1}
#: "all", "both", "every": one instance per detection ("both": the two best)
QUANTIFIER_WORDS = {"all": "all", "every": "all", "each": "all", "everyone": "all", "everybody": "all",
                    "both": "both"}

#: colour names -> a Lab prototype (L in 0..100, a and b around 0), for "the red car", "the man in white"
COLOUR_PROTOTYPES: dict[str, tuple[float, float, float]] = {
    "red": (45.0, 62.0, 40.0), "orange": (64.0, 38.0, 62.0), "yellow": (85.0, 0.0, 78.0),
    "green": (52.0, -45.0, 35.0), "blue": (42.0, 25.0, -62.0), "purple": (38.0, 48.0, -40.0),
    "pink": (72.0, 42.0, 0.0), "brown": (38.0, 16.0, 28.0), "white": (95.0, 0.0, 0.0),
    "grey": (55.0, 0.0, 0.0), "black": (10.0, 0.0, 0.0),
}
COLOUR_WORDS = {**{c: c for c in COLOUR_PROTOTYPES}, "gray": "grey", "violet": "purple", "golden": "yellow",
                "gold": "yellow", "tan": "brown", "beige": "brown", "crimson": "red", "scarlet": "red",
                "navy": "blue", "silver": "grey"}

#: words after which a noun is context, not the target ("the sieve on the table" asks for a sieve)
PREPOSITIONS = frozenset({"on", "in", "at", "with", "next", "near", "beside", "behind", "under", "by", "above",
                          "below", "of", "from", "to", "holding", "wearing", "inside", "over", "against"})

#: words that carry no meaning for grounding
STOP_WORDS = frozenset({"the", "a", "an", "this", "that", "these", "those", "of", "on", "in", "at", "to", "from",
                        "with", "and", "or", "is", "are", "who", "which", "wearing", "dressed", "coloured",
                        "colored", "select", "matte", "pick", "cut", "out", "please", "me", "my", "side", "image",
                        "photo", "picture", "there", "its", "his", "her", "their", "two", "three", "just", "only",
                        "very", "standing", "sitting", "holding", "looking", "row", "most", "by", "for", "as",
                        "one's", "than", "other", "others", "then", "next", "edge", "corner", "part"})
