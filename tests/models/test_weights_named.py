"""Files the user names (``--weights NAME=PATH``) and the NAME:key=value back-end syntax."""

import pytest
import torch

from mattestudio.models import registry
from mattestudio.models import weights as W
from mattestudio.models.protocol import BackendError
from mattestudio.models.registry import WeightSpec


def spec_for(path, sha="", name="demo"):
    return WeightSpec(name, path.name, sha, "https://example.invalid/x", "Apache-2.0")


def test_named_file_with_the_published_sha256_is_verified_another_is_not(tmp_path):
    path = tmp_path / "demo.pth"
    torch.save({"w": torch.ones(2)}, str(path))
    sha = W.sha256_of(path)
    W.name_files({"demo": path})
    published = W.check(spec_for(path, sha))
    assert published.verified and published.named and published.note == ""
    assert W.status(spec_for(path, sha)) == "named"
    other = W.check(spec_for(path, "0" * 64))
    assert not other.verified and other.sha256 == sha and sha in other.note and "unverified" in other.note
    assert W.status(spec_for(path, "0" * 64)) == "unverified"
    assert torch.equal(W.read_tensors(other.path)["w"], torch.ones(2))


def test_a_file_found_by_the_search_must_match(tmp_path, monkeypatch):
    monkeypatch.setenv("MATTESTUDIO_WEIGHTS", str(tmp_path))
    path = tmp_path / "demo.pth"
    torch.save({"w": torch.ones(2)}, str(path))
    with pytest.raises(W.WeightsError, match="does not match"):
        W.check(spec_for(path, "0" * 64))
    assert W.status(spec_for(path, "0" * 64)) == "tampered"
    with pytest.raises(W.WeightsError, match="no such file"):
        W.name_files({"demo": tmp_path / "missing.pth"})


def test_backend_spec_syntax():
    assert registry.parse_spec("iscn") == ("iscn", {})
    assert registry.parse_spec("iscn:preset=sam_b, crm=False,seed=3,scale=0.5,onnx=/a b/e.onnx") == (
        "iscn", {"preset": "sam_b", "crm": False, "seed": 3, "scale": 0.5, "onnx": "/a b/e.onnx"})
    for bad in ("iscn:preset", ":preset=a", "iscn:a=1,a=2", "iscn:=x"):
        with pytest.raises(BackendError):
            registry.parse_spec(bad)
    with pytest.raises(BackendError, match="has no option 'size'.*preset, crm, seed, onnx"):
        registry.create("iscn:size=3", "segmenter")
    with pytest.raises(BackendError, match="does not take the option"):
        registry.create("classic:colourful=true", "segmenter")
