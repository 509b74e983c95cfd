"""Weights downloads with a fake opener (no network at all): to ``.part``, sha256-verified, renamed into place, with
progress and cancel; failures leave neither a ``.part`` nor a damaged file. (A malicious pickle in a weights path is
refused without running: tests/models/test_checkpoints.py::test_malicious_pickle_is_refused_without_running.)"""

from __future__ import annotations

import hashlib
import socket
import urllib.request

import pytest

from netguard import NetworkUsed
from mattestudio.models import weights as W
from mattestudio.models.protocol import Cancelled
from mattestudio.models.registry import WeightSpec

BLOCK = 1 << 20  # download() reads 1 MiB at a time
PAYLOAD = bytes(range(256)) * (BLOCK * 3 // 256 + 1000)  # a little over three blocks
URL = "https://weights.example.org/tiny.safetensors"


class FakeResponse:
    """What ``urlopen`` returns: headers and ``read(n)``; records how much was read."""

    def __init__(self, data: bytes, length: bool = True, fail_after: int | None = None):
        self.data, self.pos, self.fail_after = data, 0, fail_after
        self.headers = {"Content-Length": str(len(data))} if length else {}

    def read(self, n: int) -> bytes:
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise ConnectionResetError(104, "Connection reset by peer")
        block = self.data[self.pos:self.pos + n]
        self.pos += len(block)
        return block

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeOpener:
    def __init__(self, response: FakeResponse):
        self.response, self.urls = response, []

    def __call__(self, url: str) -> FakeResponse:
        self.urls.append(url)
        return self.response


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MATTESTUDIO_WEIGHTS", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _spec(sha: str = hashlib.sha256(PAYLOAD).hexdigest()) -> WeightSpec:
    return WeightSpec("tiny", "tiny.safetensors", sha, URL, "Apache-2.0")


def test_download_goes_through_part_is_verified_and_renamed(cache):
    seen: list[tuple[float, str]] = []
    parts_during: list[bool] = []

    def progress(fraction: float, message: str) -> None:
        seen.append((fraction, message))
        parts_during.append((cache / "tiny.safetensors.part").exists() and not (cache / "tiny.safetensors").exists())

    opener = FakeOpener(FakeResponse(PAYLOAD))
    path = W.download(_spec(), progress=progress, opener=opener)
    assert path == cache / "tiny.safetensors" and path.read_bytes() == PAYLOAD
    assert opener.urls == [URL]
    assert all(parts_during) and len(seen) == 4  # written to .part while downloading, renamed at the end
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and seen[-1][1].endswith("MB")
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.safetensors"]
    assert W.sha256_of(path) == _spec().sha256


def test_progress_without_content_length_and_cancel_midway(cache):
    calls = []
    with pytest.raises(Cancelled):
        W.download(_spec(), progress=lambda f, m: calls.append(f), cancel=lambda: len(calls) >= 2,
                   opener=FakeOpener(FakeResponse(PAYLOAD, length=False)))
    assert calls == [0.0, 0.0]  # no total known: progress reports bytes only
    assert list(cache.iterdir()) == []  # the .part is removed, nothing renamed


@pytest.mark.parametrize("case", ["sha256", "connection", "no_sha", "no_url"])
def test_failed_downloads_leave_the_previous_file_and_no_part(cache, case):
    cache.mkdir(parents=True)
    previous = cache / "tiny.safetensors"
    previous.write_bytes(b"the file a user had before")
    spec, response = _spec(), FakeResponse(PAYLOAD)
    if case == "sha256":
        spec = _spec("0" * 64)
    elif case == "connection":
        response = FakeResponse(PAYLOAD, fail_after=BLOCK)
    elif case == "no_sha":
        spec = _spec("")
    else:
        spec = WeightSpec("tiny", "tiny.safetensors", _spec().sha256, "bundled", "Apache-2.0")
    opener = FakeOpener(response)
    with pytest.raises(W.WeightsError) as info:
        W.download(spec, opener=opener)
    message = str(info.value)
    assert "\n" not in message and {"sha256": "discarded",
                                    "connection": "Connection reset", "no_sha": "no recorded sha256",
                                    "no_url": "no download address"}[case] in message
    if case in ("no_sha", "no_url"):
        assert opener.urls == []  # refused before touching any network
    assert previous.read_bytes() == b"the file a user had before"
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.safetensors"]


def test_the_real_opener_is_blocked_in_tests(cache):
    """The folder's guard: any socket fails the test, so no test here can reach the network by accident."""
    with pytest.raises(NetworkUsed):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkUsed):
        urllib.request.urlopen(URL, timeout=1)
    with pytest.raises(NetworkUsed):
        W.download(_spec())  # the default opener is urllib's: it never gets a connection
    assert not cache.exists() or list(cache.iterdir()) == []
