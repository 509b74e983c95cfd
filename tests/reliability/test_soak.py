"""A short soak: memory held by a long session levels off and its undo history is bounded."""

from __future__ import annotations

import pytest

from mattestudio.interaction import session as session_module
from mattestudio.interaction.bench.soak import format_sample, held, run_soak, soak_image
from mattestudio.interaction.prompts import Click
from mattestudio.interaction.session import Session

LIMIT = 4


@pytest.fixture
def small_history(monkeypatch):
    monkeypatch.setattr(session_module, "HISTORY_LIMIT", LIMIT)


def test_short_soak_holds_at_most_history_limit_results(small_history):
    image = soak_image(None, side=96)
    samples = run_soak(image, rounds=60, instances=4, report_every=20)
    assert [(s.phase, s.round) for s in samples] == [("start", 0)] + [
        (phase, k) for phase in ("one instance", "4 instances") for k in (20, 40, 60)]
    for s in samples:
        # an instance holds at most LIMIT rounds with results, plus one undone round on its redo stack
        assert s.max_held_per_instance <= LIMIT + 1 and s.history_limit == LIMIT
        assert s.rss_mb > 0
    one = [s for s in samples if s.phase == "one instance"]
    assert one[0].held_results == one[-1].held_results  # flat after the history filled up
    assert one[-1].held_mb <= 1.5 * one[0].held_mb
    many = [s for s in samples if s.phase == "4 instances"]
    assert many[-1].held_results <= (LIMIT + 1) * 5  # 1 + 4 instances
    assert "instances" in format_sample(many[-1])


def test_undo_reaches_back_exactly_history_limit_rounds(small_history, disc_image):
    s = Session(disc_image[0])
    s.add_instance("a")
    for k in range(LIMIT + 6):
        s.run_round("a", [Click(60 + k, 60, True)])
    assert held(s)[2] == LIMIT
    undone = 0
    while s.undo("a"):
        undone += 1
    assert undone == LIMIT - 1  # back to the oldest round that still holds its result
    assert len(s.instance("a").rounds) == 7 and s.instance("a").result is not None
    assert s.instance("a").all_prompts()[0] == Click(60, 60, True)  # older rounds keep their prompts
