"""The synthetic multi-instance generator on a tiny generated background folder."""

import numpy as np

from mattestudio.interaction.bench.data import discover, load_item
from mattestudio.interaction.synth.composite import make_composite
from mattestudio.interaction.synth.dataset import load_backgrounds, write_dataset


def test_composite_is_deterministic_with_soft_occluded_instances(background_folder):
    photos = load_backgrounds(background_folder)
    a = make_composite([5, 0], photos, size=160)
    b = make_composite([5, 0], photos, size=160)
    assert a.image.shape == (120, 160, 3) and a.image.dtype == np.uint8
    assert np.array_equal(a.image, b.image) and a.alphas.keys() == b.alphas.keys()
    assert 1 <= len(a.alphas) <= 4
    stack = np.stack(list(a.alphas.values()))
    assert stack.sum(axis=0).max() <= 1.0 + 1e-5  # visible alphas after occlusion never exceed 1 together
    soft = ((stack > 0.05) & (stack < 0.95)).sum()
    assert soft > 0  # soft / hair / semi-transparent pixels exist


def test_write_dataset_is_a_multi_instance_bench_folder(tmp_path, background_folder):
    photos = load_backgrounds(background_folder)
    names = write_dataset(tmp_path / "set", 2, 1, 128, photos)
    assert names == ["synth0000", "synth0001"]
    items = discover(tmp_path / "set")
    assert [it.name for it in items] == names
    item = load_item(items[0])
    assert item.image.shape == (96, 128, 3)
    assert len(item.alphas) >= 1 and all(a.shape == (96, 128) for a in item.alphas.values())


def test_synth_cli(tmp_path, capsys, background_folder):
    from mattestudio.app.cli import main

    rc = main(["synth", "--out", str(tmp_path / "s"), "--count", "2", "--seed", "0", "--size", "96",
               "--backgrounds", str(background_folder), "--no-progress"])
    assert rc == 0 and "wrote 2" in capsys.readouterr().out
    assert len(list((tmp_path / "s" / "image").glob("*.png"))) == 2
    rc = main(["synth", "--out", str(tmp_path / "t"), "--count", "1", "--backgrounds", str(tmp_path / "none")])
    assert rc == 2 and "background folder not found" in capsys.readouterr().err
