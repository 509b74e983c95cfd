"""A SAM preset in the app: the photo's encode runs on the worker with progress, the event loop stays free, and Esc
stops the encode between two ViT blocks (the prompts stay in the open round)."""

from __future__ import annotations

from mattestudio.app.probe import EventLoopProbe
from mattestudio.interaction.prompts import Box
from mattestudio.interaction.session import Session

#: sanity bound only (the number itself is printed): a blocked event loop would show seconds
PROBE_SANITY_MS = 2000


def test_sam_encode_runs_on_the_worker_with_progress_and_stops_when_cancelled(qtbot, make_window, disc_image, sam_b):
    window = make_window(Session(disc_image[0], sam_b.ours, "classic"))  # a new photo: not in the embedding cache
    c = window.controller
    c.add_prompt(Box(40, 20, 120, 100))
    messages: list[tuple[float, str]] = []
    c.progress.connect(lambda f, m: messages.append((f, m)))
    probe = EventLoopProbe()
    probe.start()
    with qtbot.waitSignal(c.progress, timeout=120_000, check_params_cb=lambda f, m: "encoding the image" in m
                          and f > 0.05):
        window.actions["run"].trigger()  # the first block of the ViT is done
    with qtbot.waitSignal(c.busyChanged, timeout=120_000, check_params_cb=lambda busy: not busy):
        window.cancel()
    gap = probe.stop()
    print(f"\nlongest event-loop gap while SAM encoded: {gap:.1f} ms ({probe.ticks} ticks)")
    assert gap < PROBE_SANITY_MS
    assert any("SAM ViT-B" in m for _, m in messages)
    assert c.instance().rounds == [] and c.pending()  # cancelled: no round, the box waits in the open round
    assert "cancelled" in window.statusBar().currentMessage()
