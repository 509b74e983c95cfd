"""Bad files for the SAM presets: a checkpoint of another architecture, a truncated file, a pickle with code, an ONNX
file with the wrong inputs - each a one-line error that names the file and the reason (the app side is in
tests/app/test_model_files.py)."""

from pathlib import Path

import pytest
import torch

from mattestudio.models import registry
from mattestudio.models import weights as W
from mattestudio.models.protocol import BackendError


class Evil:
    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def bad_file(kind: str, folder: Path, sam_b) -> tuple[str, str, str]:
    """(segmenter spec, weights name, path) for each kind of bad input."""
    if kind == "architecture":  # a real SAM ViT-B checkpoint where the preset needs ViT-L
        return "iscn:preset=sam_l", "sam_vit_l", sam_b.path
    if kind == "clip-for-sam":
        path = folder / "clip.pt"
        torch.save({"visual.conv1.weight": torch.zeros(4, 3, 32, 32), "text_projection": torch.zeros(4, 4)}, path)
        return "iscn:preset=sam_b", "sam_vit_b", str(path)
    if kind == "truncated":
        path = folder / "sam_vit_b_01ec64.pth"
        data = Path(sam_b.path).read_bytes()
        path.write_bytes(data[: len(data) // 3])
        return "iscn:preset=sam_b", "sam_vit_b", str(path)
    if kind == "pickle":
        path = folder / "sam_vit_b_evil.pth"
        torch.save({"image_encoder.pos_embed": torch.zeros(1), "payload": Evil(folder / "pwned")}, path)
        return "iscn:preset=sam_b", "sam_vit_b", str(path)
    raise ValueError(kind)


REASONS = {
    "architecture": "a SAM ViT-B checkpoint, not the SAM ViT-L that preset sam_l needs (use preset=sam_b)",
    "clip-for-sam": "a CLIP ViT-4/32 checkpoint, not the SAM ViT-B that preset sam_b needs",
    "truncated": "truncated, damaged or not a torch/safetensors file",
    "pickle": "holds pickled objects other than tensors (code that would run on loading); refusing to load it",
}


@pytest.mark.parametrize("kind", REASONS)
def test_bad_checkpoints_are_one_line_errors_naming_the_file(kind, tmp_path, sam_b):
    spec, name, path = bad_file(kind, tmp_path, sam_b)
    W.name_files({name: path})
    with pytest.raises(BackendError) as err:
        registry.create(spec, "segmenter")
    message = str(err.value)
    assert message.startswith(f"{path}: ") and REASONS[kind] in message and "\n" not in message
    assert not (tmp_path / "pwned").exists()


def test_a_published_file_found_by_the_search_must_match(tmp_path, monkeypatch):
    """Only a file the user named may differ from the published sha256; one found in the cache is refused."""
    monkeypatch.setenv("MATTESTUDIO_WEIGHTS", str(tmp_path))
    torch.save({"x": torch.zeros(1)}, tmp_path / "sam_vit_b_01ec64.pth")
    with pytest.raises(W.WeightsError, match="does not match the expected"):
        registry.create("iscn:preset=sam_b", "segmenter")


def test_the_architecture_is_read_from_the_tensors_shapes(sam_b, tmp_path):
    from mattestudio.interaction.model_files import describe

    assert describe(sam_b.path) == ("sam_vit_b", "SAM ViT-B")  # memory-mapped: the 375 MB are not read
    vit_l = {"image_encoder.patch_embed.proj.weight": torch.zeros(1024, 3, 16, 16),
             **{f"image_encoder.blocks.{i}.norm1.weight": torch.zeros(1) for i in range(24)},
             "prompt_encoder.no_mask_embed.weight": torch.zeros(1), "mask_decoder.iou_token.weight": torch.zeros(1)}
    torch.save(vit_l, tmp_path / "l.pth")
    assert describe(tmp_path / "l.pth") == ("sam_vit_l", "SAM ViT-L")
    vit_l.pop("image_encoder.blocks.23.norm1.weight")  # 23 blocks: no SAM of that width has them
    torch.save(vit_l, tmp_path / "odd.pth")
    with pytest.raises(BackendError, match="not a SAM, MobileSAM or CLIP checkpoint"):
        describe(tmp_path / "odd.pth")
