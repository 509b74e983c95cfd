"""Real foregrounds over real backgrounds (``mattestudio synth --foregrounds``): placement, exactness, determinism."""

import cv2
import numpy as np
import pytest

from mattestudio.app.cli import main
from mattestudio.interaction.bench.data import discover, load_item
from mattestudio.interaction.synth.realfg import composite, plan, subject_box


def _photo(rng, h=120, w=160, touch_bottom=False):
    """A textured photo with a soft-edged ellipse subject (optionally cut by the bottom edge) and its 8-bit alpha."""
    yy, xx = np.mgrid[0:h, 0:w]
    cy = h - 10 if touch_bottom else h / 2
    d = np.hypot((xx - w / 2) / (w / 4), (yy - cy) / (h / 4))
    alpha = np.round(np.clip((1.0 - d) * 6.0, 0, 1) * 255).astype(np.uint8)
    image = (rng.random((h, w, 3)) * 255).astype(np.uint8)
    return image, alpha


def _write_set(folder, rng, n=3):
    (folder / "image").mkdir(parents=True)
    (folder / "alpha").mkdir()
    for i in range(n):
        img, a = _photo(rng, touch_bottom=i == 2)
        cv2.imwrite(str(folder / "image" / f"p{i}.png"), img)
        cv2.imwrite(str(folder / "alpha" / f"p{i}.png"), a)


def _backgrounds(folder, rng, n=3):
    folder.mkdir()
    for i in range(n):
        cv2.imwrite(str(folder / f"bg{i}.jpg"), (rng.random((300, 400, 3)) * 255).astype(np.uint8))


def test_alpha_is_placed_exactly_and_the_image_is_its_composite():
    rng = np.random.default_rng(0)
    img, a = _photo(rng)
    fg = img.astype(np.float32)
    bg = np.full((200, 300, 3), 40, np.uint8)
    comp = composite(img, a, fg, bg, np.random.default_rng(1), max_side=1000)
    p = comp.placement
    assert p.scale == 1.0  # a small photo is never resized
    x0, y0, x1, y1 = subject_box(a)
    placed = comp.alpha[p.y:p.y + y1 - y0, p.x:p.x + x1 - x0]
    assert np.array_equal(placed, a[y0:y1, x0:x1]) and comp.alpha.sum() == a.astype(np.int64).sum()
    inside = comp.alpha == 255
    ys, xs = np.nonzero(inside)
    assert np.array_equal(comp.image[inside], img[ys - p.y + y0, xs - p.x + x0])  # opaque: the foreground itself
    assert COVERAGE_OK(p.coverage)


def COVERAGE_OK(c):  # noqa: N802 - read as a predicate in the asserts
    return 0.10 - 1e-6 <= c <= 0.60 + 1e-6


def test_the_subject_is_never_upscaled_and_fits_the_longest_side():
    rng = np.random.default_rng(2)
    _, small = _photo(rng, 60, 80)
    _, large = _photo(rng, 900, 1200)
    for seed in range(20):
        p = plan(small, np.random.default_rng(seed), max_side=4000)
        assert p.scale == 1.0 and COVERAGE_OK(p.coverage)
        q = plan(large, np.random.default_rng(seed), max_side=500)
        assert q.scale < 1.0 and max(q.width, q.height) <= 500


def test_a_subject_cut_by_the_bottom_edge_stays_on_the_bottom_edge():
    _, a = _photo(np.random.default_rng(3), touch_bottom=True)
    for seed in range(10):
        p = plan(a, np.random.default_rng(seed), max_side=1000)
        x0, y0, x1, y1 = subject_box(a)
        assert p.y + (y1 - y0) == p.height


def test_cli_writes_a_set_the_bench_reads_and_the_same_seed_gives_the_same_files(tmp_path, capsys):
    rng = np.random.default_rng(4)
    _write_set(tmp_path / "fg", rng)
    _backgrounds(tmp_path / "bg", rng)
    args = ["synth", "--foregrounds", str(tmp_path / "fg"), "--backgrounds", str(tmp_path / "bg"),
            "--per-foreground", "1", "--no-progress"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    assert main(args + ["--out", str(tmp_path / "c"), "--seed", "5"]) == 0
    assert "wrote 3 composites of real foregrounds" in capsys.readouterr().out
    names = sorted(p.name for p in (tmp_path / "a" / "image").iterdir())
    assert names == ["p0-0.png", "p1-0.png", "p2-0.png"]
    for sub in ("image", "alpha"):
        for n in names:
            assert (tmp_path / "a" / sub / n).read_bytes() == (tmp_path / "b" / sub / n).read_bytes()
    assert any((tmp_path / "a" / "image" / n).read_bytes() != (tmp_path / "c" / "image" / n).read_bytes()
               for n in names)
    sources = (tmp_path / "a" / "SOURCES.md").read_text()
    assert all(f"| {n[:-4]} | {n[:2]}.png |" in sources for n in names) and "never train on them" in sources
    items = discover(tmp_path / "a")
    assert len(items) == 3
    loaded = load_item(items[0])
    assert loaded.image.shape[:2] == loaded.alphas["object"].shape


def test_cli_errors_name_the_cause(tmp_path, capsys):
    rng = np.random.default_rng(5)
    _write_set(tmp_path / "fg", rng, n=1)
    _backgrounds(tmp_path / "bg", rng, n=1)
    base = ["synth", "--foregrounds", str(tmp_path / "fg"), "--backgrounds", str(tmp_path / "bg"), "--out",
            str(tmp_path / "o"), "--no-progress"]
    assert main(base + ["--per-foreground", "2"]) == 2
    assert "needs as many backgrounds" in capsys.readouterr().err
    assert main(["synth", "--foregrounds", str(tmp_path / "bg"), "--out", str(tmp_path / "o")]) == 2
    assert "needs image/ and alpha/" in capsys.readouterr().err
    assert main(["synth", "--out", str(tmp_path / "o")]) == 2
    assert "either --count" in capsys.readouterr().err


@pytest.mark.parametrize("q", [40])
def test_jpeg_noise_changes_the_image_not_the_alpha(q):
    rng = np.random.default_rng(6)
    img, a = _photo(rng)
    bg = (rng.random((200, 300, 3)) * 255).astype(np.uint8)
    plain = composite(img, a, img.astype(np.float32), bg, np.random.default_rng(1), 1000)
    noisy = composite(img, a, img.astype(np.float32), bg, np.random.default_rng(1), 1000, jpeg_quality=q)
    assert np.array_equal(plain.alpha, noisy.alpha) and not np.array_equal(plain.image, noisy.image)
    assert np.abs(plain.image.astype(int) - noisy.image.astype(int)).mean() < 40
