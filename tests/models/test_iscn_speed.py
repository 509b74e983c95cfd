"""The ISCN timing command measures a real encoder pass and decoder round."""

import json

from mattestudio.models.iscn import speed


def test_iscn_speed_prints_encoder_and_round_times(capsys):
    assert speed.main(["--repeats", "1"]) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["preset"] == "tiny" and row["input_size"] == 512 and row["device"].startswith("cpu")
    assert row["encode_ms"] > 0 and row["decode_round_ms"] > 0
