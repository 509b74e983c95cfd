"""Every overlay, rendered on the real canvas and grabbed as an image: the pixel colours inside and outside the mask
are what the overlay promises (not only that a layer item exists)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from mattestudio.app import overlays as ov
from mattestudio.app.canvas import COMMITTED_OPACITY, POSITIVE, SOFT
from mattestudio.interaction.prompts import Box, Click, Soft
from mattestudio.interaction.session import Session


def grab(window) -> np.ndarray:
    """The canvas viewport as an RGB array, with the image at 100 % and its top-left at the viewport's origin."""
    canvas = window.canvas
    canvas.set_zoom(1.0)
    canvas.horizontalScrollBar().setValue(canvas.horizontalScrollBar().minimum())
    canvas.verticalScrollBar().setValue(canvas.verticalScrollBar().minimum())
    QApplication.processEvents()
    img = canvas.viewport().grab().toImage().convertToFormat(canvas.viewport().grab().toImage().Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, :3 * img.width()].reshape(img.height(), img.width(), 3).copy()


def at(window, shot, x, y) -> np.ndarray:
    """The grabbed colour of image pixel (x, y)."""
    v = window.canvas.view_point(x, y)
    return shot[int(v.y()), int(v.x())].astype(int)


def only(window, kind):
    for k in ov.Overlay:
        window.set_overlay_visible(k, k == kind)
        window.set_overlay_opacity(k, 1.0)
    window.refresh_overlays(wait=True)
    return grab(window)


@pytest.fixture
def matted(make_window, disc_image):
    img, _ = disc_image
    s = Session(img)
    s.add_instance("disc")
    s.run_round("disc", [Box(30, 10, 130, 110)])
    s.run_round("disc", [Click(80, 60, True), Click(150, 10, True), Soft(((20.0, 100.0), (40.0, 100.0)), 4)])
    return make_window(s), s


def test_every_overlay_shows_the_promised_colours(matted):
    window, s = matted
    img = s.image
    res = s.instance("disc").result
    alpha = s.alphas()["disc"]
    colour = np.array(s.instance("disc").colour)
    inside, outside = (80, 60), (150, 100)  # (x, y): the disc's middle, the background far from everything
    assert alpha[60, 80] == 1.0 and alpha[100, 150] == 0.0

    shot = only(window, None)  # nothing on: the photo itself
    assert np.abs(at(window, shot, *inside) - img[60, 80]).max() <= 1
    photo = lambda x, y: img[y, x].astype(int)  # noqa: E731

    shot = only(window, ov.Overlay.MASK)
    tinted = at(window, shot, *inside)
    expected = (1 - ov.TINT_STRENGTH) * photo(*inside) + ov.TINT_STRENGTH * colour
    assert np.abs(tinted - expected).max() <= 3
    assert np.abs(tinted - photo(*inside)).max() > 60  # visibly tinted, not the photo
    assert np.abs(at(window, shot, *outside) - photo(*outside)).max() <= 1
    line = ov.outline([alpha >= 0.5], *alpha.shape)
    ys, xs = np.nonzero(line)
    edge = [at(window, shot, x, y) for y, x in zip(ys[::7], xs[::7])]
    assert all(tuple(e) in ((255, 255, 255), (0, 0, 0)) for e in edge)  # the outline: white and black dashes
    assert {tuple(e) for e in edge} == {(255, 255, 255), (0, 0, 0)}

    shot = only(window, ov.Overlay.ALPHA)
    assert (at(window, shot, *inside) >= 254).all() and (at(window, shot, *outside) <= 1).all()

    shot = only(window, ov.Overlay.COMPOSITE)
    assert np.abs(at(window, shot, *inside) - photo(*inside)).max() <= 1
    checker = at(window, shot, *outside)
    assert checker[0] == checker[1] == checker[2] and checker[0] in (ov.CHECKER_LIGHT, ov.CHECKER_DARK)
    window.set_background("#102030")
    shot = only(window, ov.Overlay.COMPOSITE)
    assert tuple(at(window, shot, *outside)) == (16, 32, 48)

    shot = only(window, ov.Overlay.TRIMAP)
    by, bx = np.argwhere(res.trimap == 128)[0]
    assert tuple(at(window, shot, bx, by)) == ov.UNKNOWN_BAND
    assert np.abs(at(window, shot, *outside) - photo(*outside)).max() <= 1

    shot = only(window, ov.Overlay.CONFLICT)
    assert res.conflict[10, 150] == 1  # the click in the background that the previous round left out
    assert tuple(at(window, shot, 150, 10)) == ov.CONFLICT_TO_FG
    assert np.abs(at(window, shot, *inside) - photo(*inside)).max() <= 1

    shot = only(window, ov.Overlay.MARKERS)
    click = at(window, shot, *inside)  # a committed click's green marker, drawn at COMMITTED_OPACITY
    expected = COMMITTED_OPACITY * np.array(POSITIVE.getRgb()[:3]) + (1 - COMMITTED_OPACITY) * photo(*inside)
    assert np.abs(click - expected).max() <= 3
    stroke = at(window, shot, 30, 100)
    soft = np.array(SOFT.getRgb()[:3])
    assert np.abs(stroke - soft).sum() < np.abs(photo(30, 100) - soft).sum() - 60  # the soft stroke's colour
    assert np.abs(at(window, shot, *outside) - photo(*outside)).max() <= 1


def test_default_overlays_show_the_mask_tint(matted):
    window, s = matted
    from mattestudio.app.panels import OVERLAY_DEFAULTS

    for kind, (visible, opacity) in OVERLAY_DEFAULTS.items():
        window.set_overlay_visible(kind, visible)
        window.set_overlay_opacity(kind, opacity)
    window.refresh_overlays(wait=True)
    shot = grab(window)
    img = s.image
    diff = np.abs(at(window, shot, 70, 75) - img[75, 70].astype(int)).max()
    assert diff > 40, f"the default overlays leave the matted disc untinted (largest channel change {diff})"
