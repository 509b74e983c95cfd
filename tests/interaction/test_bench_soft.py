"""``bench --large-unknown`` and ``bench --edge`` on tiny generated photos: they run and report what they promise."""

import json

import pytest

from mattestudio.app.cli import main


def test_large_unknown_mode_solves_the_painted_fringe(tmp_path, capsys):
    rc = main(["bench", "--large-unknown", "--sizes", "0.03", "--refiner", "classic", "--json",
               str(tmp_path / "lu.json")])
    assert rc == 0
    (row,) = json.loads((tmp_path / "lu.json").read_text())["rows"]
    assert "error" not in row, row
    assert row["unknown_share"] == pytest.approx(0.3, abs=0.08)  # the fringe painted soft
    assert row["finite"] and row["sad"] < 0.7 * row["sad_prob"]  # far closer to the truth than the coarse map
    assert row["peak_rss_mb"] >= row["base_rss_mb"] > 0 and row["refine_seconds"] > 0
    assert "MAD unk" in capsys.readouterr().out


def test_edge_mode_times_every_control_in_both_views(tmp_path, capsys):
    rc = main(["bench", "--edge", "--sizes", "0.05", "--json", str(tmp_path / "edge.json")])
    assert rc == 0
    (row,) = json.loads((tmp_path / "edge.json").read_text())["rows"]
    assert set(row["changes"]) == {"smooth", "feather", "contrast", "shift", "decontaminate", "all"}
    assert all(v[view]["wall_ms"] > 0 for v in row["changes"].values() for view in ("mask", "composite"))
    assert "decontaminate" in capsys.readouterr().out
