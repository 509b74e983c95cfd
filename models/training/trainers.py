"""Per-network training tasks over a data source (see :class:`.samples.DataSource`): the ISCN with multi-round
prompts and text, then the refiners (MRN, GFM, Mask2Alpha) on coarse masks from the frozen ISCN (DFIMat's two-stage
schedule) or from corrupted ground truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..iscn.config import PRESETS as ISCN_PRESETS
from ..iscn.network import ISCN
from ..iscn.tokenizer import HashTokenizer
from ..nn.checkpoint import load_file_into
from ..nn.runtime import resolve_device
from ..weights import WeightsError, sha256_of
from .batches import frame_probs, iscn_batch, matting_batch, to_device, to_image
from .losses import CLASS_WEIGHT
from .runner import RunConfig, Task
from .samples import DataSource, MatteSample, SegmentSample
from .steps import gfm_step, iscn_step, mrn_step

EVAL_BATCH = 4
MRN_ALIGN = 32


def _device(net: torch.nn.Module) -> torch.device:
    return next(net.parameters()).device


def _rng(cfg: RunConfig, step: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, salt, step])


def build_iscn(cfg: RunConfig) -> ISCN:
    return ISCN(ISCN_PRESETS[cfg.preset].with_options(**cfg.net))


def _iou(prob: np.ndarray, target: np.ndarray) -> float:
    p, t = prob >= 0.5, target
    union = (p | t).sum()
    return float((p & t).sum() / union) if union else 1.0


def iscn_predict(net: ISCN, samples: list[SegmentSample], tokenizer, size: int | None = None) -> list[np.ndarray]:
    """Probabilities at each sample's image size (samples of one text kind)."""
    out = []
    for i in range(0, len(samples), EVAL_BATCH):
        chunk = samples[i:i + EVAL_BATCH]
        probs = frame_probs(net, iscn_batch(net, chunk, tokenizer, size))
        out += [to_image(p, *s.image.shape[:2]) for p, s in zip(probs, chunk)]
    return out


def evaluate_iscn(net: ISCN, samples: list[SegmentSample], tokenizer) -> dict:
    """Mean IoU by task (and by expression kind for text-only rounds) on held-out samples."""
    groups: dict[str, list[float]] = {}
    with_text = [s for s in samples if s.prompts.texts]
    without = [s for s in samples if not s.prompts.texts]
    for part in (with_text, without):
        if not part:
            continue
        for s, p in zip(part, iscn_predict(net, part, tokenizer)):
            iou = _iou(p, s.target)
            groups.setdefault(f"iou_{s.task}", []).append(iou)
            if s.task == "text":
                groups.setdefault(f"iou_text_{s.kind}", []).append(iou)
    return {k: round(float(np.mean(v)), 4) for k, v in sorted(groups.items())} | \
        {f"n_{k[4:]}": len(v) for k, v in sorted(groups.items())}


def iscn_task(cfg: RunConfig, data: DataSource) -> Task:
    net = build_iscn(cfg)
    tok = HashTokenizer(net.cfg.text.vocab_size, net.cfg.text.context_length)
    follow = float(cfg.options.get("follow_up", 0.0))
    class_weight = float(cfg.options.get("class_weight", CLASS_WEIGHT))
    sizes = {int(k): float(v) for k, v in cfg.options.get("sizes", {net.cfg.input_size: 1.0}).items()}
    held_out = data.segment_eval(cfg.eval_count)

    def loss(step: int) -> torch.Tensor:
        samples = data.segment_batch(step, cfg.batch)
        rng = _rng(cfg, step, 1)
        keys = sorted(sizes)
        w = np.array([sizes[k] for k in keys])
        size = keys[int(rng.choice(len(keys), p=w / w.sum()))]  # multi-scale training around the inference size
        if not samples[0].prompts.texts and follow > 0 and rng.random() < follow:
            # model in the loop: the next round's prompts are placed on this network's own errors
            probs = iscn_predict(net, samples, tok, size)
            samples = [data.follow_up(s, p, step, j) for j, (s, p) in enumerate(zip(samples, probs))]
        return iscn_step(net, to_device(iscn_batch(net, samples, tok, size), _device(net)), class_weight)

    return Task(net, loss, lambda: evaluate_iscn(net, held_out, tok))


# ---------------------------------------------------------------------------------------------- refiners
def frozen_iscn(cfg: RunConfig) -> tuple[ISCN, HashTokenizer] | None:
    """The stage-1 ISCN the refiner learns from (``options.iscn_weights`` + its ``sha256``), frozen."""
    path = cfg.options.get("iscn_weights")
    if not path:
        return None
    net = ISCN(ISCN_PRESETS[cfg.options.get("iscn_preset", "tiny")].with_options(**cfg.options.get("iscn_net", {})))
    load_file_into(net, path, cfg.options.get("iscn_sha256") or sha256_of(path))
    for p in net.parameters():
        p.requires_grad_(False)
    net = net.to(resolve_device(cfg.device))
    return net.eval(), HashTokenizer(net.cfg.text.vocab_size, net.cfg.text.context_length)


def with_coarse(samples: list[MatteSample], iscn: tuple[ISCN, HashTokenizer] | None) -> list[MatteSample]:
    """Fill ``coarse`` from the frozen ISCN for samples that carry the segment round it should answer."""
    todo = [s for s in samples if s.segment is not None]
    if iscn is None or not todo:
        return samples
    probs = iscn_predict(iscn[0], [s.segment for s in todo], iscn[1])
    for s, p in zip(todo, probs):
        s.coarse = p.astype(np.float32)
    return samples


def _pad32(x: np.ndarray) -> np.ndarray:
    h, w = x.shape[:2]
    pad = ((0, (-h) % MRN_ALIGN), (0, (-w) % MRN_ALIGN)) + ((0, 0),) * (x.ndim - 2)
    return np.pad(x, pad, mode="edge")


def sad(alpha: np.ndarray, gt: np.ndarray) -> float:
    return float(np.abs(alpha - gt).sum() / 1000.0)


def evaluate_refiner(predict, samples: list[MatteSample]) -> dict:
    """Whole-image SAD of the refiner and of the coarse input itself on held-out scenes."""
    ours = [sad(predict(s), s.alpha) for s in samples]
    coarse = [sad(s.coarse, s.alpha) for s in samples]
    return {"sad": round(float(np.mean(ours)), 3), "sad_coarse": round(float(np.mean(coarse)), 3),
            "n": len(samples)}


def refiner_task(cfg: RunConfig, data: DataSource, net: torch.nn.Module, step_fn, forward) -> Task:
    iscn = frozen_iscn(cfg)
    crop = int(cfg.options.get("crop", 160))
    held_out = with_coarse(data.matte_eval(cfg.eval_count), iscn)

    def loss(step: int) -> torch.Tensor:
        samples = with_coarse(data.matte_batch(step, cfg.batch), iscn)
        return step_fn(net, to_device(matting_batch(samples, crop, _rng(cfg, step, 2)), _device(net)))

    def predict(s: MatteSample) -> np.ndarray:
        h, w = s.alpha.shape
        img = torch.from_numpy(np.ascontiguousarray(_pad32(s.image.astype(np.float32) / 255.0).transpose(2, 0, 1)))
        co = torch.from_numpy(np.ascontiguousarray(_pad32(s.coarse.astype(np.float32))))
        dev = _device(net)
        with torch.no_grad():
            a = forward(net, img[None].to(dev), co[None, None].to(dev))
        return a[0, 0, :h, :w].clamp(0, 1).float().cpu().numpy()

    return Task(net, loss, lambda: evaluate_refiner(predict, held_out))


def mrn_task(cfg: RunConfig, data: DataSource) -> Task:
    from ..mrn.config import PRESETS
    from ..mrn.network import MRN

    net = MRN(PRESETS[cfg.preset].with_options(**cfg.net))
    return refiner_task(cfg, data, net, mrn_step, lambda n, i, c: n(i, c).alpha)


def gfm_task(cfg: RunConfig, data: DataSource) -> Task:
    from ..gfm.config import PRESETS
    from ..gfm.network import GFM

    net = GFM(PRESETS[cfg.preset].with_options(**cfg.net))
    return refiner_task(cfg, data, net, gfm_step, lambda n, i, c: n(i).fused)


def _trimap(coarse: torch.Tensor, band: int = 7) -> torch.Tensor:
    """Coarse probability -> trimap (0 / 128 / 255) with the uncertain band dilated by ``band`` px."""
    unsure = ((coarse > 0.05) & (coarse < 0.95)).float()
    edge = (F.max_pool2d((coarse >= 0.5).float(), 3, 1, 1) != -F.max_pool2d(-(coarse >= 0.5).float(), 3, 1, 1))
    unk = F.max_pool2d(torch.maximum(unsure, edge.float()), 2 * band + 1, 1, band) > 0
    tri = torch.where(coarse >= 0.5, 255, 0)
    return torch.where(unk, 128, tri).to(torch.uint8)


def mask2alpha_task(cfg: RunConfig, data: DataSource) -> Task:
    from ..mask2alpha.config import preset_config
    from ..mask2alpha.losses import mask2alpha_loss
    from ..mask2alpha.model import Mask2AlphaNet

    net = Mask2AlphaNet(preset_config(cfg.preset, **cfg.net))

    def step_fn(n, batch) -> torch.Tensor:
        tri = _trimap(batch.coarse)
        out = n(batch.image, batch.coarse, tri, backend="dense")
        return mask2alpha_loss(out, batch.alpha, tri, batch.image, batch.fg, batch.bg)["total"]

    def forward(n, image, coarse):
        return n(image, coarse, _trimap(coarse), backend="dense").alpha

    return refiner_task(cfg, data, net, step_fn, forward)


TASKS = {"iscn": iscn_task, "mrn": mrn_task, "gfm": gfm_task, "mask2alpha": mask2alpha_task}


def make_task(cfg: RunConfig, data: DataSource) -> Task:
    if cfg.model not in TASKS:
        raise ValueError(f"unknown model '{cfg.model}' (known: {', '.join(TASKS)})")
    torch.set_num_threads(max(1, int(cfg.threads)))
    torch.manual_seed(cfg.seed)
    task = TASKS[cfg.model](cfg, data)
    init = cfg.options.get("init_weights")
    if init:  # warm start from earlier weights (a new schedule and optimizer; --resume still wins)
        if not cfg.options.get("init_sha256"):
            raise ValueError("options.init_weights needs options.init_sha256 (the file's sha256)")
        try:
            load_file_into(task.net, init, cfg.options["init_sha256"])
        except WeightsError as exc:
            raise ValueError(f"options.init_weights: {exc}") from None
    if cfg.options.get("train_only"):
        task = train_only(task, tuple(cfg.options["train_only"]))
    task.net.to(resolve_device(cfg.device))
    return task


def train_only(task: Task, prefixes: tuple[str, ...]) -> Task:
    """Train only the parameters whose names start with one of ``prefixes`` (``options.train_only``); the frozen
    modules run as at inference (eval mode: running batch statistics, no dropout), the trained ones in train mode."""
    named = list(task.net.named_parameters())
    if not any(name.startswith(prefixes) for name, _ in named):
        raise ValueError(f"options.train_only {list(prefixes)} names no parameter of the {type(task.net).__name__}")
    for name, param in named:
        param.requires_grad_(name.startswith(prefixes))
    trained = [m for name, m in task.net.named_modules() if name.startswith(prefixes)]

    def loss(step: int) -> torch.Tensor:
        task.net.eval()
        for module in trained:
            module.train()
        return task.loss(step)

    return Task(task.net, loss, task.evaluate)


def export(net: torch.nn.Module, path: Path, half: bool = True) -> str:
    """The trained weights as one safetensors file (fp16 by default); returns its sha256."""
    from ..nn.checkpoint import save_checkpoint

    path.parent.mkdir(parents=True, exist_ok=True)
    return save_checkpoint(net, path, half=half)
