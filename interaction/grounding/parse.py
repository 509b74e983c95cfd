"""Reading a text prompt into what grounding needs: the class it names, where (spatial / ordinal words), what colour,
and how many ("all", "both", plurals).

The first class phrase is the target ("the man with the tie" names a person); "orange" is a colour when another noun
is there and the fruit otherwise; position words (left, right, middle, top, bottom) win over depth words (front,
back), which win over size words (biggest, smallest), and "furthest"/"far" only modify a position word that follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mattestudio.models.grounding.types import COCO_CLASSES

from .vocab import (CATEGORY_WORDS, CLASS_WORDS, COLOUR_WORDS, GENERIC_WORDS, MAX_PHRASE, ORDINAL_WORDS,
                    PLURAL_FORMS, PREPOSITIONS, QUANTIFIER_WORDS, RELATION_MODIFIERS, RELATION_WORDS, STOP_WORDS,
                    plural)

_POSITION = ("left", "right", "middle", "top", "bottom")
_DEPTH = ("front", "back")


@dataclass(frozen=True)
class TextQuery:
    text: str
    labels: tuple[int, ...] = ()  # classes the text names (several for "animal"; every class for "the object")
    noun: str = ""  # the noun as written ("woman"), or the word the detector does not know ("sieve")
    known: bool = False  # the noun is a class, a category or a generic word
    generic: bool = False  # "object", "thing", "one": any class
    relation: str | None = None  # left right middle top bottom front back largest smallest
    ordinal: int | None = None  # 1 first, 2 second, ..., -1 last
    colour: str | None = None  # a key of COLOUR_PROTOTYPES
    quantity: str | None = None  # "all" or "both"

    @property
    def class_name(self) -> str:
        """How messages name what was asked for."""
        if self.generic:
            return "object"
        return self.noun if len(self.labels) != 1 else COCO_CLASSES[self.labels[0]]

    def describe(self) -> str:
        """What was understood, in words ("person, on the left, red")."""
        parts = [self.class_name or "?"]
        if self.quantity:
            parts.append(self.quantity)
        if self.ordinal:
            parts.append("last" if self.ordinal == -1 else f"number {self.ordinal}")
        if self.relation:
            parts.append(self.relation)
        if self.colour:
            parts.append(self.colour)
        return ", ".join(parts)


def tokens(text: str) -> list[str]:
    t = text.lower().replace("-", " ").replace("’", "'")
    return [w for w in re.split(r"[^a-z0-9']+", t) if w]


def _match_class(words: list[str], i: int) -> tuple[int, str] | None:
    """(length in words, phrase) of the longest class phrase starting at word ``i``."""
    for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
        phrase = " ".join(words[i:i + n])
        if phrase in CLASS_WORDS or phrase in CATEGORY_WORDS or phrase in GENERIC_WORDS:
            return n, phrase
    return None


def _is_plural(phrase: str) -> bool:
    if phrase in PLURAL_FORMS:
        return True
    singular = {k for k in CLASS_WORDS if plural(k) == phrase and k != phrase}
    return bool(singular) or phrase in ("animals", "pets", "creatures", "vehicles", "fruits")


def parse_query(text: str) -> TextQuery:
    words = tokens(text)
    nouns: list[tuple[int, str]] = []  # (word index, phrase)
    colours, relations, unknown_runs = [], [], []  # unknown_runs: (index of the first word, words)
    ordinal = quantity = None
    preps: list[int] = []
    run: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        m = _match_class(words, i)
        if m is not None:
            nouns.append((i, m[1]))
            if w in COLOUR_WORDS:  # "orange": decided below
                colours.append((i, COLOUR_WORDS[w]))
            if run:
                unknown_runs.append((i - len(run), run))
                run = []
            i += m[0]
            continue
        known = True
        if w in PREPOSITIONS:
            preps.append(i)
        if w in COLOUR_WORDS:
            colours.append((i, COLOUR_WORDS[w]))
        elif w in RELATION_WORDS:
            relations.append(w)
        elif w in ORDINAL_WORDS:
            ordinal = ORDINAL_WORDS[w]
        elif w in QUANTIFIER_WORDS:
            quantity = QUANTIFIER_WORDS[w]
            if w in ("everyone", "everybody"):
                nouns.append((i, "person"))
        elif w not in STOP_WORDS and not w.isdigit():
            known = False
            run.append(w)
        if known and run:
            unknown_runs.append((i - len(run), run))
            run = []
        i += 1
    if run:
        unknown_runs.append((len(words) - len(run), run))
    if nouns and unknown_runs and unknown_runs[0][0] < nouns[0][0] \
            and any(unknown_runs[0][0] < k < nouns[0][0] for k in preps):
        nouns = []  # "the sieve on the table": the unknown word is the target, the class only its context
    # "orange" is a colour when another noun is there
    if len(nouns) > 1:
        nouns = [(k, n) for k, n in nouns if n not in ("orange", "oranges")] or nouns
    colours = [c for k, c in colours if not any(k == nk and n in ("orange", "oranges") for nk, n in nouns)]
    relation = _relation(relations)
    if not nouns and unknown_runs:
        return TextQuery(text, (), " ".join(unknown_runs[0][1]), False, False, relation, ordinal,
                         colours[0] if colours else None, quantity)
    phrase = nouns[0][1] if nouns else "object"  # "second from the left": among everything found
    if phrase in GENERIC_WORDS:
        labels, generic = tuple(range(len(COCO_CLASSES))), True
    elif phrase in CATEGORY_WORDS:
        labels, generic = CATEGORY_WORDS[phrase], False
    else:
        labels, generic = (CLASS_WORDS[phrase],), False
    if quantity is None and relation is None and ordinal is None and _is_plural(phrase):
        quantity = "all"
    return TextQuery(text, labels, phrase, True, generic, relation, ordinal, colours[0] if colours else None,
                     quantity)


def _relation(words: list[str]) -> str | None:
    rels = [RELATION_WORDS[w] for w in words]
    has_position = any(r in _POSITION for r in rels)
    for group in (_POSITION, _DEPTH, ("largest", "smallest")):
        for w, r in zip(words, rels):
            if r in group and not (has_position and w in RELATION_MODIFIERS):
                return r
    return None
