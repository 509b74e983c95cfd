"""The benchmark end to end on tiny generated sets (single instance with trimap, and multi-instance)."""

import json

import cv2
import numpy as np
import pytest

from mattestudio.app.cli import main
from mattestudio.interaction.bench.runner import BenchConfig, run_bench
from mattestudio.interaction.synth.dataset import write_dataset


def _disc_set(root, n=3):
    rng = np.random.default_rng(0)
    for sub in ("image", "alpha", "trimap/Trimap1"):
        (root / sub).mkdir(parents=True)
    for i in range(n):
        h, w = 72, 96
        yy, xx = np.mgrid[0:h, 0:w]
        d = np.hypot(yy - 36 - 3 * i, xx - 44 - 4 * i)
        alpha = np.clip(20.5 - d, 0, 1)
        bg = np.stack([20 + 0 * xx, 80 + xx, 200 - yy], -1)
        fg = np.array([210, 40 + 30 * i, 50])
        img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg + rng.normal(0, 4, (h, w, 3))
        cv2.imwrite(str(root / "image" / f"im{i}.png"), np.clip(img, 0, 255).astype(np.uint8)[:, :, ::-1])
        a8 = np.round(alpha * 255).astype(np.uint8)
        if i == 1:  # RGB alpha with equal channels, as alphamatting.com ships it
            a8 = np.repeat(a8[..., None], 3, axis=2)
        cv2.imwrite(str(root / "alpha" / f"im{i}.png"), a8)
        tri = np.full((h, w), 128, np.uint8)
        tri[d < 17] = 255
        tri[d > 24] = 0
        cv2.imwrite(str(root / "trimap" / "Trimap1" / f"im{i}.png"), tri)


def test_bench_cli_writes_md_json_png(tmp_path, capsys):
    _disc_set(tmp_path / "set")
    out = tmp_path / "out"
    rc = main(["bench", "--data", str(tmp_path / "set"), "--protocol", "click", "--rounds", "2", "--limit", "2",
               "--json", str(out / "b.json"), "--plot", str(out / "b.png"), "--md", str(out / "b.md"),
               "--no-progress"])
    assert rc == 0
    doc = json.loads((out / "b.json").read_text())
    methods = {r["method"] for r in doc["records"]}
    assert methods == {"classic", "grabcut-cf", "trimap-cf"}
    rounds = [r for r in doc["records"] if r["method"] == "grabcut-cf"]
    assert sorted((r["image"], r["round"]) for r in rounds) == [("im0", 1), ("im0", 2), ("im1", 1), ("im1", 2)]
    rec = rounds[0]
    assert {"sad", "mse", "mad", "grad", "conn"} <= set(rec["whole"]) and rec["unknown"] is not None
    assert 0.0 <= rec["iou"] <= 1.0 and rec["segment_seconds"] > 0
    md = (out / "b.md").read_text()
    assert "| classic | 2 |" in md and "| trimap-cf | 1 |" in md
    png = cv2.imread(str(out / "b.png"))
    assert png is not None and png.shape[0] > 100
    assert "| grabcut-cf | 1 |" in capsys.readouterr().out


@pytest.mark.parametrize("argv, separate", [([], False), (["--scribble-spacing", "separated"], True)])
def test_bench_cli_passes_the_scribble_spacing_to_the_simulated_user(tmp_path, argv, separate):
    _disc_set(tmp_path / "set", n=1)
    out = tmp_path / "b.json"
    rc = main(["bench", "--data", str(tmp_path / "set"), "--protocol", "scribble", "--rounds", "2", "--peers", "",
               "--json", str(out), "--no-progress", *argv])
    assert rc == 0
    doc = json.loads(out.read_text())
    assert doc["config"]["separate_strokes"] is separate
    assert sorted(r["round"] for r in doc["records"]) == [1, 2]


def test_bench_is_deterministic_and_runs_per_instance(tmp_path):
    rng = np.random.default_rng(2)
    photos = [np.clip(rng.normal(120, 40, (80, 110, 3)), 0, 255).astype(np.uint8)]
    write_dataset(tmp_path / "multi", 1, 4, 96, photos)
    cfg = BenchConfig(tmp_path / "multi", "scribble", rounds=2, peers=("grabcut-cf",), limit=1, seed=3)
    a, b = run_bench(cfg), run_bench(cfg)
    instances = {r["instance"] for r in a.records}
    assert len(instances) >= 1 and len(a.records) == 2 * 2 * len(instances)  # 2 methods x 2 rounds
    assert [r["whole"]["sad"] for r in a.records] == [r["whole"]["sad"] for r in b.records]
    assert all(r["unknown"] is None for r in a.records)  # no trimap for synthetic multi-instance sets


def test_noc_protocol_reports_click_counts(tmp_path):
    _disc_set(tmp_path / "set", n=1)
    res = run_bench(BenchConfig(tmp_path / "set", "noc", peers=("grabcut-cf",), engine=False))
    (row,) = res.noc
    assert 1 <= row["noc@85"] <= row["noc@90"] <= 20
    assert len(row["ious"]) == len([r for r in res.records if r["method"] == "grabcut-cf"])


@pytest.mark.parametrize("argv, message", [
    (["--peers", "magic"], "unknown peer"),
    (["--protocol", "tap"], "unknown protocol"),
    (["--speed", "--refiner", "classic,nosuch"], "unknown back-end 'nosuch'"),
])
def test_bench_cli_errors_are_one_line(tmp_path, capsys, argv, message):
    _disc_set(tmp_path / "set", n=1)
    rc = main(["bench", "--data", str(tmp_path / "set"), "--no-progress", *argv])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_speed_mode_measures_in_a_subprocess(tmp_path, capsys):
    rc = main(["bench", "--speed", "--sizes", "0.02", "--json", str(tmp_path / "s.json")])
    assert rc == 0
    (row,) = json.loads((tmp_path / "s.json").read_text())["rows"]
    assert "error" not in row, row
    assert row["width"] * row["height"] == pytest.approx(20_000, rel=0.05)
    assert row["peak_rss_mb"] >= row["base_rss_mb"] > 0 and row["round_seconds"] > 0
    assert 0 < row["alpha_seconds"] <= row["refine_seconds"]  # the refiner's call is a part of the refine step
    out = capsys.readouterr().out
    assert "classic" in out and "alpha s" in out
    assert row["warmed_up"] is False  # on the CPU the first round is timed as a user meets it


def test_speed_warm_up_runs_an_untimed_round_first(monkeypatch):
    from mattestudio.interaction.bench import speed

    calls = []
    real = speed.warm_up
    monkeypatch.setattr(speed, "warm_up", lambda *a: (calls.append(a), real(*a)))
    row = speed.measure(0.02, "classic", "classic", "cpu", warm=True)
    assert calls == [("classic", "classic", "cpu")]
    assert row["warmed_up"] is True and row["round_seconds"] > 0 and row["width"] * row["height"] > 15_000
    speed.measure(0.02, "classic", "classic", "cpu")
    assert len(calls) == 1  # the CPU default: no warm-up


def test_soak_mode_prints_memory_and_history(tmp_path, capsys):
    rc = main(["bench", "--soak", "--soak-rounds", "3", "--json", str(tmp_path / "soak.json")])
    out = capsys.readouterr().out
    assert rc == 0 and "RSS MB" in out and "20 instances" in out
    samples = json.loads((tmp_path / "soak.json").read_text())
    assert samples[-1]["held_results"] <= 20 * samples[-1]["history_limit"]


def test_oracle_and_noc_are_reported_beside_the_protocol(tmp_path, capsys):
    _disc_set(tmp_path / "set", n=2)
    out = tmp_path / "b.json"
    rc = main(["bench", "--data", str(tmp_path / "set"), "--protocol", "click", "--rounds", "2", "--peers", "",
               "--oracle", "--noc", "--json", str(out), "--no-progress"])
    assert rc == 0
    doc = json.loads(out.read_text())
    oracle = [r for r in doc["records"] if r["method"] == "oracle"]
    assert sorted(r["image"] for r in oracle) == ["im0", "im1"] and all(r["round"] == 1 for r in oracle)
    # the true mask through the session's own trimap and refiner: at least as good as the engine's last round
    last = [r for r in doc["records"] if r["method"] == "classic" and r["round"] == 2]
    assert all(r["iou"] >= 0.99 for r in oracle)
    assert np.mean([r["whole"]["sad"] for r in oracle]) <= np.mean([r["whole"]["sad"] for r in last]) + 0.05
    noc = doc["noc"]
    assert {r["image"] for r in noc} == {"im0", "im1"} and all(1 <= r["noc@90"] <= 20 for r in noc)
    assert len({r["round"] for r in doc["records"] if r["method"] == "classic"}) == 2  # NoC rounds kept apart
    md = capsys.readouterr().out
    assert "| oracle | 1 |" in md and "SAD / oracle SAD: classic" in md and "reached@90" in md


def test_panels_of_the_worst_photos_show_image_truth_and_result(tmp_path, capsys):
    _disc_set(tmp_path / "set", n=3)
    rc = main(["bench", "--data", str(tmp_path / "set"), "--protocol", "box", "--peers", "", "--panels",
               str(tmp_path / "p"), "--worst", "2", "--no-progress"])
    assert rc == 0
    files = sorted((tmp_path / "p").iterdir())
    assert len(files) == 2 and files[0].name.startswith("01-")
    pic = cv2.imread(str(files[0]))
    assert pic.shape[1] == 900
    body = pic[24:]  # below the caption: photo | truth | result, each a third of the width
    third = body.shape[1] // 3
    truth, result = body[:, third:2 * third], body[:, 2 * third:]
    assert truth.max() > 200 and truth.min() < 30 and result.max() > 200  # white subject on black in both
    assert np.abs(truth.astype(int) - result.astype(int)).mean() < 40
    assert "wrote" in capsys.readouterr().out
