"""The grounding step a round goes through before its segmenter (decision 0700).

A text of the new round is parsed and matched against the detector's boxes; the chosen detection becomes the round's
box (padded, so that the box's outside, which segmenters take as background, does not cut the object), so text works
with every segmenter, alone or beside clicks, scribbles and a box. "All", "both" and plurals make one more instance
per further detection. For an instance that is a person (its text says so; with ``MATTESTUDIO_PERSON_PRIOR=detect``
also one whose box or clicks hold a person detection) the person segmenter's probability over the box is passed to
the segmenter as a soft prior.

A segmenter that reads text itself (the ISCN) keeps its text: it is grounded only when it names a specific class,
and a text the detector cannot ground goes to it unchanged, as before.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass

import numpy as np

from mattestudio.models.grounding.types import PERSON, Detection, box_iou

from ..prompts import Box, Click, Prompt, PromptError, Scribble, Text
from .parse import parse_query
from .select import Hint, NoMatch, choose, unknown_noun

#: when the person prior is used: "off"; "text" (an instance whose text names a person); "detect" (also an instance
#: whose box or clicks hold a detected person). Measured in docs/BENCHMARKS.md, "Text grounding";
#: MATTESTUDIO_PERSON_PRIOR overrides the default
PRIOR_MODES = ("off", "text", "detect")
PRIOR_DEFAULT = "text"
#: a detection's box is padded by this share of its longer side before it becomes the round's box
BOX_PAD = 0.06
#: a person detection "lies under" an instance's box from this IoU on
PERSON_IOU = 0.5
#: what a person detection must score to be trusted for the prior without a text
PERSON_SCORE = 0.4


#: grounders by (device, detector fit), shared by every session of the process (they cache per image, under a lock)
_SHARED: dict[tuple[str, str], object] = {}


class GroundingError(PromptError):
    """A text prompt could not be grounded and nothing else in the round says where the object is."""


@dataclass(frozen=True)
class GroundingInfo:
    """What a round's text was matched against, for display: the candidates and the chosen ones."""

    text: str
    considered: tuple[Detection, ...]
    chosen: tuple[Detection, ...]
    seconds: float = 0.0


@dataclass
class Grounded:
    ticket: object  # the RoundTicket to segment (the added prompts included)
    prior: np.ndarray | None = None
    added: tuple[Prompt, ...] = ()
    info: GroundingInfo | None = None
    siblings: tuple = ()  # (RoundTicket, prior, the prompts its round stores) of further instances
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def annotate(self, result, siblings: list) -> None:
        """Record on ``result`` what grounding added (the session's commit stores it)."""
        result.added = self.added
        result.grounding = self.info
        result.siblings = [(stored, r) for (_, _, stored), r in zip(self.siblings, siblings)]
        result.warnings = list(self.warnings) + list(result.warnings)
        result.segment_seconds += self.seconds


def _padded(d: Detection, width: int, height: int) -> Box:
    x0, y0, x1, y1 = d.box
    p = BOX_PAD * max(x1 - x0, y1 - y0)
    return Box(max(0.0, x0 - p), max(0.0, y0 - p), min(width - 1.0, x1 + p), min(height - 1.0, y1 + p))


def prior_default() -> str:
    return os.environ.get("MATTESTUDIO_PERSON_PRIOR", PRIOR_DEFAULT)


def _without_text(ticket):
    return dataclasses.replace(ticket, prompts=tuple(p for p in ticket.prompts if not isinstance(p, Text)),
                               history=tuple(p for p in ticket.history if not isinstance(p, Text)))


def _hint(prompts) -> Hint:
    boxes = [p for p in prompts if isinstance(p, Box)]
    points = [(p.x, p.y) for p in prompts if isinstance(p, Click) and p.positive]
    points += [pt for p in prompts if isinstance(p, Scribble) and p.positive for pt in p.points[:1]]
    box = (boxes[-1].x0, boxes[-1].y0, boxes[-1].x1, boxes[-1].y1) if boxes else None
    return Hint(box, tuple(points))


class GroundingStep:
    """Grounds the texts of a round; the networks (torch) are created on first use through the registry."""

    def __init__(self, device: str = "cpu", prior: str | None = None, grounder: object | None = None,
                 fit_detector: str = "both"):
        self.device = device
        self.prior = prior_default() if prior is None else prior
        if self.prior not in PRIOR_MODES:
            raise ValueError(f"unknown person prior mode {self.prior!r} ({', '.join(PRIOR_MODES)})")
        self._grounder = grounder
        self.fit_detector = fit_detector

    @property
    def grounder(self):
        if self._grounder is None:
            from mattestudio.models import registry

            key = (self.device, self.fit_detector)
            if key not in _SHARED:
                _SHARED[key] = registry.create("grounding", "grounder", self.device, fit=self.fit_detector)
            self._grounder = _SHARED[key]
        return self._grounder

    def ground(self, ticket, segmenter) -> Grounded:
        t0 = time.perf_counter()
        out = Grounded(ticket)
        reads_text = bool(getattr(segmenter, "accepts_text", False))
        texts = [p for p in ticket.prompts if isinstance(p, Text)]
        if texts:
            out = self._ground_text(ticket, texts[-1].text, reads_text)
        if self.prior != "off":
            out.prior = self.person_prior(out.ticket)
            out.siblings = tuple((t, self.person_prior(t), stored) for t, _, stored in out.siblings)
        if not reads_text:  # the text has done its work here: the segmenter sees the box it became
            out.ticket = _without_text(out.ticket)
            out.siblings = tuple((_without_text(t), p, stored) for t, p, stored in out.siblings)
        out.seconds = time.perf_counter() - t0
        return out

    def _ground_text(self, ticket, text: str, reads_text: bool) -> Grounded:
        query = parse_query(text)
        if reads_text and (query.generic or not query.known):
            return Grounded(ticket)  # the segmenter reads this text itself
        others = [p for p in ticket.prompts if not isinstance(p, Text)]
        h, w = ticket.image.shape[:2]
        t0 = time.perf_counter()
        try:
            if not query.known:
                raise unknown_noun(query)
            field = self.grounder.detect(ticket.image, ticket.image_key)
            hint = _hint(others)
            choice = choose(query, field, ticket.image, hint)
        except NoMatch as exc:
            if reads_text or any(not isinstance(p, Text) for p in ticket.history):
                # the segmenter reads the text, or other prompts (of this round or earlier ones) say where it is
                return Grounded(ticket, warnings=(f"text '{text}' not used: {exc}",))
            raise GroundingError(str(exc)) from None
        info = GroundingInfo(text, choice.considered, choice.chosen, time.perf_counter() - t0)
        boxes = [_padded(d, w, h) for d in choice.chosen]
        added = () if hint.box is not None else (boxes[0],)  # a box of the user's own stays the round's box
        main = dataclasses.replace(ticket, prompts=ticket.prompts + added, history=ticket.history + added)
        siblings = tuple((dataclasses.replace(ticket, instance="", generation=0, prompts=(Text(text), b),
                                              consumed_pending=0, history=(Text(text), b), previous=None), None,
                          (Text(text), b)) for b in boxes[1:])
        return Grounded(main, None, added, info, siblings, (choice.note,) if choice.note else ())

    def person_prior(self, ticket) -> np.ndarray | None:
        """The person segmenter's probability over the instance's box (0.5 elsewhere), when the instance is a person;
        None otherwise."""
        box = self._person_box(ticket)
        if box is None:
            return None
        h, w = ticket.image.shape[:2]
        (x0, y0, x1, y1), prob = self.grounder.person(ticket.image, box, ticket.image_key)
        prior = np.full((h, w), 0.5, np.float32)
        prior[y0:y1, x0:x1] = prob
        return prior

    def _person_box(self, ticket) -> tuple[float, float, float, float] | None:
        history = ticket.history
        boxes = [p for p in history if isinstance(p, Box)]
        box = (boxes[-1].x0, boxes[-1].y0, boxes[-1].x1, boxes[-1].y1) if boxes else None
        named = [parse_query(p.text).labels for p in history if isinstance(p, Text)]
        named = [labels for labels in named if labels and len(labels) < 80]
        if named:
            if named[-1] != (PERSON,):
                return None
            if box is not None:
                return box
        elif self.prior != "detect":
            return None
        points = _hint(history).points
        if box is None and not points:
            return None
        people = self.grounder.detect(ticket.image, ticket.image_key).of_class(PERSON, PERSON_SCORE)
        if not people:
            return None
        if box is not None:
            iou = box_iou(np.array([box]), np.array([d.box for d in people]))[0]
            return box if iou.max() >= PERSON_IOU or named else None
        holding = [d for d in people if any(d.box[0] <= x <= d.box[2] and d.box[1] <= y <= d.box[3]
                                            for x, y in points)]
        return holding[0].box if holding else None


def repick(session, name: str, index: int):
    """A ticket that replaces ``name``'s last round by the same prompts with the ``index``-th detection its text was
    matched against as the box (the user clicked that detection's tag); the replaced round is undone first, so it
    can be redone."""
    inst = session.instance(name)
    info = getattr(inst.result, "grounding", None)
    if info is None or not 0 <= index < len(info.considered):
        raise GroundingError("that detection belongs to a round that is no longer the current one")
    kept = [p for p in inst.rounds[-1].prompts if not isinstance(p, Box)]
    box = _padded(info.considered[index], session.width, session.height)
    if not session.undo(name):
        raise GroundingError("the round that detection belongs to can no longer be replaced")
    return session.begin_round(name, kept + [box])
