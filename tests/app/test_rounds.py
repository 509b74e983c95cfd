"""Rounds run on the worker thread and update the overlays; undo/redo; instances; failures; export."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from mattestudio.app.exporting import ExportOptions
from mattestudio.app.overlays import Overlay
from mattestudio.app.probe import EventLoopProbe
from mattestudio.interaction.prompts import Box, Click
from mattestudio.interaction.session import Session
from mattestudio.models import registry
from mattestudio.models.protocol import BackendError

#: generous: the first round of a fresh process imports the matting solver
ROUND_TIMEOUT_MS = 120_000

#: sanity bound only (the number itself is printed): a blocked event loop would show seconds
PROBE_SANITY_MS = 2000


class RecordingSegmenter:
    """The real classic segmenter, noting the thread it ran on."""

    name, accepts_text = "recording", False

    def __init__(self):
        self.inner = registry.create("classic", "segmenter")
        self.threads: list[str] = []

    def segment(self, request, progress, cancel):
        self.threads.append(threading.current_thread().name)
        return self.inner.segment(request, progress, cancel)


class FailingSegmenter:
    name, accepts_text = "failing", False

    def segment(self, request, progress, cancel):
        raise BackendError("the segmenter ran out of memory (simulated)")


def run_round(qtbot, window):
    """Run the open round; returns once it is committed and the overlays drawn from it are on the canvas."""
    c = window.controller
    finished: list[tuple[str, bool]] = []
    c.roundFinished.connect(lambda *args: finished.append(args))
    with qtbot.waitSignals([c.roundFinished, window.overlaysUpdated], timeout=ROUND_TIMEOUT_MS, order="simple"):
        window.actions["run"].trigger()
        assert window.progress.isVisible() and window.cancel_button.isVisible()
    return finished[-1]


def test_round_runs_on_the_worker_and_updates_overlays(qtbot, make_window, disc_image):
    seg = RecordingSegmenter()
    window = make_window(Session(disc_image[0], seg, "classic"))
    c = window.controller
    assert window.canvas.overlay_pixmap(Overlay.MASK).isNull()
    c.add_prompt(Box(40, 20, 120, 100))
    c.add_prompt(Click(80, 60))
    probe = EventLoopProbe()
    probe.start()
    name, committed = run_round(qtbot, window)
    gap = probe.stop()
    print(f"\nlongest event-loop gap during a round: {gap:.1f} ms ({probe.ticks} ticks)")
    assert gap < PROBE_SANITY_MS
    assert committed and name == c.current
    assert seg.threads and all(t != threading.main_thread().name for t in seg.threads)
    mask = window.canvas.overlay_pixmap(Overlay.MASK).toImage()
    assert (mask.width(), mask.height()) == (160, 120)
    assert mask.pixelColor(80, 60).alpha() > 0 and mask.pixelColor(5, 5).alpha() == 0
    conflict = window.canvas.overlay_pixmap(Overlay.CONFLICT)
    assert not conflict.isNull()
    iou = (c.instance().result.alpha > 0.5) & (disc_image[1] > 0.5)
    assert iou.sum() / ((c.instance().result.alpha > 0.5) | (disc_image[1] > 0.5)).sum() > 0.8
    assert not window.progress.isVisible()


def test_undo_redo_prompts_and_rounds(qtbot, window):
    c = window.controller
    c.add_prompt(Box(40, 20, 120, 100))
    run_round(qtbot, window)
    first = c.instance().result.alpha.copy()
    c.add_prompt(Click(75, 55))
    c.add_prompt(Click(10, 10, False))
    window.actions["undo"].trigger()  # the open round's last prompt
    assert c.pending() == [Click(75, 55)]
    window.actions["redo"].trigger()
    assert len(c.pending()) == 2
    run_round(qtbot, window)
    assert len(c.instance().rounds) == 2
    window.actions["undo"].trigger()  # no open prompts: the last round
    assert len(c.instance().rounds) == 1
    np.testing.assert_array_equal(c.instance().result.alpha, first)
    assert window.instances.rounds.count() == 1 and window.instances.redo_button.isEnabled()
    window.actions["redo"].trigger()
    assert len(c.instance().rounds) == 2


def test_a_new_round_supersedes_a_running_one(qtbot, window):
    c = window.controller
    c.add_prompt(Box(40, 20, 120, 100))
    c.run_round()
    c.add_prompt(Click(80, 60))
    with qtbot.waitSignal(c.roundFinished, timeout=ROUND_TIMEOUT_MS,
                          check_params_cb=lambda name, committed: committed):
        c.run_round()
    qtbot.waitUntil(lambda: not c.busy, timeout=ROUND_TIMEOUT_MS)
    (rnd,) = c.instance().rounds
    assert rnd.prompts == (Box(40, 20, 120, 100), Click(80, 60)) and c.pending() == []


def test_instance_switching_keeps_results(qtbot, window):
    c = window.controller
    first = c.current
    c.add_prompt(Box(40, 20, 120, 100))
    run_round(qtbot, window)
    alpha = c.instance().result.alpha.copy()
    window.actions["add_instance"].trigger()
    second = c.current
    assert second != first and window.instances.list.count() == 2
    c.add_prompt(Box(2, 2, 40, 30))
    c.add_prompt(Click(15, 12))
    run_round(qtbot, window)
    window.instances.list.setCurrentRow(0)  # select the first instance in the panel
    assert c.current == first
    np.testing.assert_array_equal(c.instance(first).result.alpha, alpha)
    assert set(c.session.alphas()) == {first, second}
    assert c.session.instances[first].colour != c.session.instances[second].colour
    assert c.rename_instance(second, "corner")
    assert "corner" in c.session.instances


def test_export_writes_valid_pngs(qtbot, window, tmp_path):
    c = window.controller
    c.add_prompt(Box(40, 20, 120, 100))
    run_round(qtbot, window)
    window.actions["add_instance"].trigger()
    c.add_prompt(Box(2, 2, 40, 30))
    run_round(qtbot, window)
    out = tmp_path / "out"
    out.mkdir()
    written = window.export_to(ExportOptions(out, "disc", alpha8=True, alpha16=True, rgba=True, all_instances=True))
    assert len(written) == 6
    alpha = Image.open(out / "disc.instance_1.alpha.png")
    assert alpha.mode == "L" and alpha.size == (160, 120)
    assert np.asarray(alpha)[60, 80] > 200 and np.asarray(alpha)[110, 150] < 30
    assert Image.open(out / "disc.instance_1.alpha16.png").mode.startswith("I")
    rgba = Image.open(out / "disc.instance_2.rgba.png")
    assert rgba.mode == "RGBA" and rgba.size == (160, 120)


def test_failing_backend_shows_an_error_and_the_app_survives(qtbot, make_window, disc_image):
    window = make_window(Session(disc_image[0], FailingSegmenter(), "classic"))
    c = window.controller
    c.add_prompt(Click(80, 60))
    with qtbot.waitSignal(c.roundFailed, timeout=ROUND_TIMEOUT_MS) as blocker:
        window.actions["run"].trigger()
    assert "out of memory" in blocker.args[1]
    assert window.error_box is not None and window.error_box.isVisible()
    assert "out of memory" in window.error_box.text()
    assert c.pending() == [Click(80, 60)] and not c.busy  # nothing lost, nothing stuck
    window.error_box.close()
    c.set_backends("classic", "classic", "cpu")
    name, committed = run_round(qtbot, window)
    assert committed and c.instance().result is not None


def test_auto_proposes_a_first_round_without_prompts(qtbot, window):
    c = window.controller
    assert not c.instance().pending
    with qtbot.waitSignal(c.roundFinished, timeout=ROUND_TIMEOUT_MS) as blocker:
        window.actions["auto"].trigger()
    name, committed = blocker.args
    assert committed
    inst = c.session.instance(name)
    assert len(inst.rounds) == 1 and isinstance(inst.rounds[0].prompts[0], Box)
    assert inst.result.alpha.shape == c.session.image.shape[:2]
    assert c.session.segmenter.name == "classic"  # the proposal did not replace the session's back-end


def test_overlays_render_off_the_gui_thread_and_follow_the_toggles(qtbot, window, monkeypatch):
    c = window.controller
    threads: list[str] = []
    snapshot = c.session.alphas_snapshot

    def recording_snapshot(*args):
        compute = snapshot(*args)

        def run():
            threads.append(threading.current_thread().name)
            return compute()

        return run

    monkeypatch.setattr(c.session, "alphas_snapshot", recording_snapshot)
    c.add_prompt(Box(40, 20, 120, 100))
    run_round(qtbot, window)
    assert threads and threading.main_thread().name not in threads
    assert not window.canvas.overlay_pixmap(Overlay.MASK).isNull()
    with qtbot.waitSignal(window.overlaysUpdated, timeout=ROUND_TIMEOUT_MS):
        window.set_overlay_visible(Overlay.MASK, False)
    assert window.canvas.overlay_pixmap(Overlay.MASK).isNull()
    # requests made in a burst: only the newest generation reaches the canvas
    with qtbot.waitSignal(window.overlaysUpdated, timeout=ROUND_TIMEOUT_MS):
        window.set_overlay_visible(Overlay.ALPHA, True)
        window.set_overlay_visible(Overlay.MASK, True)
    assert not window.canvas.overlay_pixmap(Overlay.MASK).isNull()
    assert not window.canvas.overlay_pixmap(Overlay.ALPHA).isNull()
    assert window.overlay_generation == window.renderer.generation


def test_a_direct_render_makes_queued_renders_stale(qtbot, window):
    c = window.controller
    c.add_prompt(Box(40, 20, 120, 100))
    run_round(qtbot, window)
    queued = window.renderer.request(window._overlay_request())
    window.refresh_overlays(wait=True)  # the screenshot path: drawn before it returns
    assert window.overlay_generation > queued
    assert not window.canvas.overlay_pixmap(Overlay.MASK).isNull()
    applied = []
    window.overlaysUpdated.connect(lambda: applied.append(True))
    window._apply_overlays(queued, {Overlay.MASK: None})  # what the render thread delivers for the queued request
    assert applied == [] and not window.canvas.overlay_pixmap(Overlay.MASK).isNull()
