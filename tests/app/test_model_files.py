"""Model files in the app: "Import model file..." copies a checkpoint into the user cache under its sha256, recognises
it from its shapes, says whether it is verified and offers the preset it fits; bad files (another architecture, a
truncated file, a pickle with code, an ONNX file with the wrong inputs) end in a one-line message, and the app carries
on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from mattestudio.models import weights as W
from sam_reference import tiny_onnx

needs_mobile_sam = pytest.mark.skipif(importlib.util.find_spec("mobile_sam") is None,
                                      reason="the mobile-sam extra (mobilesam-mirror, timm) is not installed")


@pytest.fixture(scope="module")
def mobile_sam_file(tmp_path_factory) -> Path:
    """A random-init MobileSAM checkpoint with the official key names (40 MB)."""
    import warnings

    from mattestudio.models.torchvision_compat import ensure_torchvision

    ensure_torchvision()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mobile_sam import sam_model_registry
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("mobile") / "mobile_sam_finetuned.pt"
    torch.save(sam_model_registry["vit_t"]().state_dict(), str(path))
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MATTESTUDIO_WEIGHTS", str(tmp_path / "cache"))
    return tmp_path / "cache"


@needs_mobile_sam
def test_import_copies_recognises_and_offers_the_preset(qtbot, window, mobile_sam_file, cache):
    c = window.controller
    with qtbot.waitSignal(c.modelImported, timeout=60_000) as got:
        window.import_model(str(mobile_sam_file))
    imported = got.args[0]
    sha = W.sha256_of(mobile_sam_file)
    assert imported.path == cache / "imported" / f"{sha}.pt" and imported.path.read_bytes() == \
        mobile_sam_file.read_bytes()
    assert imported.weights_name == "mobile_sam_vit_t" and not imported.verified
    assert window.settings.weight_files == {"mobile_sam_vit_t": str(imported.path)}
    assert W.named_files()["mobile_sam_vit_t"] == imported.path
    dialog = window.imported_dialog
    assert "MobileSAM (TinyViT) checkpoint, UNVERIFIED" in dialog.summary.text() and sha in dialog.summary.text()
    assert [dialog.presets.itemText(i) for i in range(dialog.presets.count())] == ["iscn:preset=mobile_sam"]
    dialog.accept()
    assert window.settings.segmenter == "iscn:preset=mobile_sam"
    assert window.controller.backends[0] == "iscn:preset=mobile_sam"


def test_a_remembered_file_that_is_gone_is_forgotten(make_window, settings, disc_image, tmp_path):
    from mattestudio.interaction.session import Session

    settings.set_weight_file("sam_vit_b", tmp_path / "gone.pth")
    window = make_window(Session(disc_image[0]))
    assert settings.weight_files == {} and "sam_vit_b" not in W.named_files()
    assert "gone" in window.statusBar().currentMessage()


class Evil:
    def __reduce__(self):
        return (Path.touch, (Path("/nonexistent-mattestudio-test/pwned"),))


def bad_setup(kind: str, folder: Path, mobile_sam_file: Path) -> tuple[str, dict, str, str]:
    """(segmenter spec, files to name, the file the message must name, its reason)."""
    if kind == "architecture":
        return ("iscn:preset=sam_b", {"sam_vit_b": str(mobile_sam_file)}, str(mobile_sam_file),
                "a MobileSAM (TinyViT) checkpoint, not the SAM ViT-B that preset sam_b needs")
    if kind == "truncated":
        path = folder / "sam_vit_b_01ec64.pth"
        path.write_bytes(mobile_sam_file.read_bytes()[:100_000])
        return "iscn:preset=sam_b", {"sam_vit_b": str(path)}, str(path), "truncated, damaged"
    if kind == "pickle":
        path = folder / "sam_vit_b_01ec64.pth"
        torch.save({"w": torch.zeros(1), "x": Evil()}, path)
        return "iscn:preset=sam_b", {"sam_vit_b": str(path)}, str(path), "holds pickled objects other than tensors"
    enc = tiny_onnx(folder / "other.encoder.onnx")
    tiny_onnx(folder / "other.decoder.onnx")
    return (f"iscn:preset=sam_b,onnx={enc}", {}, str(enc), "not a SAM image encoder")


@needs_mobile_sam
@pytest.mark.parametrize("kind", ["architecture", "truncated", "pickle", "onnx"])
def test_bad_model_files_are_a_message_and_the_app_carries_on(qtbot, window, tmp_path, mobile_sam_file, kind,
                                                              disc_image):
    import cv2

    spec, files, path, reason = bad_setup(kind, tmp_path, mobile_sam_file)
    c = window.controller
    c.use_weight_files(files)
    c.set_backends(spec, "classic", "cpu")
    image = tmp_path / "photo.png"
    cv2.imwrite(str(image), disc_image[0])
    with qtbot.waitSignal(c.error, timeout=60_000) as got:
        c.open_image(image)
    message = got.args[0]
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message
    assert window.last_error == message and window.isVisible()
    c.set_backends("classic", "classic", "cpu")
    with qtbot.waitSignal(c.sessionChanged, timeout=60_000):
        c.open_image(image)
    assert c.session is not None and c.session.segmenter.name == "classic"


def test_importing_a_pickle_with_code_is_refused_without_running_it(qtbot, window, tmp_path, cache):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "sam_vit_b_01ec64.pth"
    torch.save({"image_encoder.patch_embed.proj.weight": torch.zeros(1), "x": Payload()}, path)
    with qtbot.waitSignal(window.controller.error, timeout=60_000) as got:
        window.import_model(str(path))
    assert "holds pickled objects other than tensors" in got.args[0] and not marker.exists()
    assert not list((cache / "imported").glob("*.pth"))  # the refused copy is removed
    assert window.settings.weight_files == {}
