"""Weights loading: official-layout SAM and CLIP state dicts map exactly; tampered and malicious files are refused."""

from pathlib import Path

import pytest
import torch

from mattestudio.models import weights as W
from mattestudio.models.iscn.checkpoints import load_clip_text, load_sam_encoder
from mattestudio.models.iscn.config import SAM_VIT, TINY, TINY_TEXT
from mattestudio.models.iscn.network import ISCN
from mattestudio.models.iscn.sam_vit import SamViTEncoder
from mattestudio.models.iscn.text_tower import TextTower
from mattestudio.models.nn.checkpoint import load_file_into, save_checkpoint
from mattestudio.models.registry import WeightSpec


def sam_layout(embed=32, depth=2, heads=2, grid=4, window=2, global_blocks=(1,), out=32, patch=16):
    """(name, shape) of segment-anything's ``ImageEncoderViT`` for a config, written from its source layout."""
    head = embed // heads
    keys = [("patch_embed.proj.weight", (embed, 3, patch, patch)), ("patch_embed.proj.bias", (embed,)),
            ("pos_embed", (1, grid, grid, embed))]
    for i in range(depth):
        size = grid if i in global_blocks else window
        b = f"blocks.{i}."
        keys += [(b + "norm1.weight", (embed,)), (b + "norm1.bias", (embed,)),
                 (b + "attn.qkv.weight", (3 * embed, embed)), (b + "attn.qkv.bias", (3 * embed,)),
                 (b + "attn.proj.weight", (embed, embed)), (b + "attn.proj.bias", (embed,)),
                 (b + "attn.rel_pos_h", (2 * size - 1, head)), (b + "attn.rel_pos_w", (2 * size - 1, head)),
                 (b + "norm2.weight", (embed,)), (b + "norm2.bias", (embed,)),
                 (b + "mlp.lin1.weight", (4 * embed, embed)), (b + "mlp.lin1.bias", (4 * embed,)),
                 (b + "mlp.lin2.weight", (embed, 4 * embed)), (b + "mlp.lin2.bias", (embed,))]
    keys += [("neck.0.weight", (out, embed, 1, 1)), ("neck.1.weight", (out,)), ("neck.1.bias", (out,)),
             ("neck.2.weight", (out, out, 3, 3)), ("neck.3.weight", (out,)), ("neck.3.bias", (out,))]
    return keys


def save(obj, path: Path) -> str:
    torch.save(obj, str(path))
    return W.sha256_of(path)


def test_official_sam_layout_maps_every_key(tmp_path):
    torch.manual_seed(0)
    state = {"image_encoder." + k: torch.randn(s) for k, s in sam_layout()}
    state["prompt_encoder.point_embeddings.0.weight"] = torch.randn(1, 32)  # other SAM parts: ignored
    state["mask_decoder.iou_token.weight"] = torch.randn(1, 32)
    path = tmp_path / "sam_vit_tiny.pth"
    sha = save(state, path)
    enc = SamViTEncoder(SAM_VIT["vit_tiny"])
    report = load_sam_encoder(enc, path, sha)
    assert report.exact and report.missing == [] and report.unexpected == []
    assert report.loaded == len(sam_layout())
    assert sorted(report.ignored) == ["mask_decoder.iou_token.weight", "prompt_encoder.point_embeddings.0.weight"]
    assert torch.equal(enc.blocks[1].attn.qkv.weight, state["image_encoder.blocks.1.attn.qkv.weight"])
    with torch.inference_mode():
        assert enc(torch.randn(1, 3, 64, 64)).shape == (1, 32, 4, 4)


def test_sam_checkpoint_of_another_size_is_refused(tmp_path):
    state = {"image_encoder." + k: torch.randn(s) for k, s in sam_layout()[:-2]}  # neck.3 missing
    path = tmp_path / "partial.pth"
    with pytest.raises(W.WeightsError, match="missing keys"):
        load_sam_encoder(SamViTEncoder(SAM_VIT["vit_tiny"]), path, save(state, path))


def test_segment_anything_package_has_the_same_keys():
    from mattestudio.models.torchvision_compat import ensure_torchvision

    ensure_torchvision()  # segment-anything imports torchvision
    sam = pytest.importorskip("segment_anything.modeling.image_encoder",
                              reason="optional package segment-anything is not installed")
    cfg = SAM_VIT["vit_tiny"]
    ref = sam.ImageEncoderViT(img_size=cfg.img_size, embed_dim=cfg.embed_dim, depth=cfg.depth,
                              num_heads=cfg.num_heads, out_chans=cfg.out_chans, use_rel_pos=True,
                              window_size=cfg.window_size, global_attn_indexes=cfg.global_attn_indexes,
                              norm_layer=lambda d: torch.nn.LayerNorm(d, eps=1e-6))  # as build_sam builds it
    ours = SamViTEncoder(cfg)
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(ours(x), ref(x), atol=1e-5)


def open_clip_text_layout(c=TINY_TEXT):
    w = c.width
    keys = [("token_embedding.weight", (c.vocab_size, w)), ("positional_embedding", (c.context_length, w))]
    for i in range(c.layers):
        b = f"transformer.resblocks.{i}."
        keys += [(b + "ln_1.weight", (w,)), (b + "ln_1.bias", (w,)), (b + "attn.in_proj_weight", (3 * w, w)),
                 (b + "attn.in_proj_bias", (3 * w,)), (b + "attn.out_proj.weight", (w, w)),
                 (b + "attn.out_proj.bias", (w,)), (b + "ln_2.weight", (w,)), (b + "ln_2.bias", (w,)),
                 (b + "mlp.c_fc.weight", (4 * w, w)), (b + "mlp.c_fc.bias", (4 * w,)),
                 (b + "mlp.c_proj.weight", (w, 4 * w)), (b + "mlp.c_proj.bias", (w,))]
    return keys + [("ln_final.weight", (w,)), ("ln_final.bias", (w,)), ("text_projection", (w, c.embed_dim))]


def test_open_clip_text_layout_maps_every_key(tmp_path):
    state = {k: torch.randn(s) for k, s in open_clip_text_layout()}
    state.update({"visual.conv1.weight": torch.randn(4, 3, 2, 2), "logit_scale": torch.tensor(4.6)})
    path = tmp_path / "clip_tiny.pt"
    tower = TextTower(TINY_TEXT)
    report = load_clip_text(tower, path, save(state, path))
    assert report.exact and report.loaded == len(open_clip_text_layout())
    assert torch.equal(tower.text_projection, state["text_projection"])


def test_own_checkpoint_round_trip_and_tampering(tmp_path, monkeypatch):
    torch.manual_seed(0)
    net = ISCN(TINY)
    path = tmp_path / "iscn_tiny.safetensors"
    sha = save_checkpoint(net, path, half=True)
    fresh = ISCN(TINY)
    assert load_file_into(fresh, path, sha).exact
    assert torch.allclose(fresh.decoder.class_head.weight, net.decoder.class_head.weight, atol=1e-3)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(W.WeightsError, match="sha256"):
        load_file_into(ISCN(TINY), path, sha)
    monkeypatch.setenv("MATTESTUDIO_WEIGHTS", str(tmp_path))
    assert W.status(WeightSpec("iscn_tiny", path.name, sha, "bundled", "Apache-2.0")) == "tampered"


class Evil:
    marker = ""

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    evil = Evil()
    evil.marker = str(marker)
    path = tmp_path / "evil.pth"
    sha = save({"weight": torch.zeros(2), "payload": evil}, path)
    with pytest.raises(W.WeightsError, match="refusing"):
        W.load_state_dict(path, sha)
    assert not marker.exists()
