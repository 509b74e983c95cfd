"""Times the ISCN's two halves: the image encoder (once per photo) and one decoder round (every round).

``python -m mattestudio.models.iscn.speed [--device cuda] [--preset tiny]`` prints one JSON line: the median of
``--repeats`` timed calls after warm-up calls, with the device synchronised around each. The round is a box, three
clicks and a text, with the CRM's conflict map and the previous round's mask, as in a session's later rounds.
Random-init weights: the numbers measure cost, not quality."""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from ..nn.runtime import resolve_device
from ..nn.timing import median_ms
from ..protocol import PromptSet
from .config import PRESETS
from .crm import conflict_one_hot
from .network import ISCN, PromptTensors
from .sampler import prompt_points
from .tokenizer import HashTokenizer

def round_inputs(net: ISCN, device: torch.device) -> tuple[PromptTensors, torch.Tensor, torch.Tensor]:
    cfg, size = net.cfg, net.cfg.input_size
    prompts = PromptSet(clicks=np.array([[0.5, 0.5], [0.3, 0.6], [0.7, 0.4]], np.float32) * size,
                        click_labels=np.array([True, True, False]), boxes=((0.2 * size, 0.2 * size, 0.8 * size,
                                                                            0.8 * size),))
    pts = prompt_points(prompts, 1.0, size, cfg.points_per_stroke, cfg.box_border, cfg.box_interior,
                        cfg.max_prompt_tokens)
    text = HashTokenizer(cfg.text.vocab_size, cfg.text.context_length)(["the person on the left"])
    tensors = PromptTensors(torch.from_numpy(pts.xy)[None].to(device), torch.from_numpy(pts.positive)[None].to(device),
                            torch.from_numpy(pts.kind)[None].to(device),
                            torch.ones(1, len(pts.xy), dtype=torch.bool, device=device), text.to(device))
    conflict = torch.zeros(1, size, size, dtype=torch.long)
    conflict[:, size // 3:size // 2, size // 3:size // 2] = 1
    low = size // cfg.mask_stride
    prev = torch.randn(1, 1, low, low, device=device)
    return tensors, conflict_one_hot(conflict).to(device), prev


def measure(preset: str, device: str, repeats: int) -> dict:
    dev = resolve_device(device)
    torch.manual_seed(0)
    net = ISCN(PRESETS[preset]).to(dev).eval()
    size = net.cfg.input_size
    image = torch.rand(1, 3, size, size, device=dev) * 255
    prompts, conflict, prev = round_inputs(net, dev)
    with torch.inference_mode():
        emb = net.encode(image)
        encode_ms = median_ms(lambda: net.encode(image), dev, repeats)
        decode_ms = median_ms(lambda: net.decode(emb, prompts, conflict, prev), dev, repeats)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    return {"preset": preset, "device": name, "input_size": size, "encode_ms": round(encode_ms, 3),
            "decode_round_ms": round(decode_ms, 3), "repeats": repeats}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mattestudio.models.iscn.speed", description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    p.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    print(json.dumps(measure(args.preset, args.device, args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
