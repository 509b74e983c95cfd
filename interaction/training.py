"""Training from the synthetic stream: the data source the trainers read, and the ``train`` entry point.

The stream side (scenes, expressions, simulated user) is plain numpy here; the torch side (networks, steps,
checkpoints) lives in ``models.training`` and is imported only when a run starts, through
:func:`mattestudio.models.training.catalog.trainers`, the same lazy pattern as the back-end registry."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from mattestudio.models.protocol import CancelFn, ProgressFn, never_cancel, no_progress
from mattestudio.models.training.catalog import trainers
from mattestudio.models.training.samples import MatteSample, SegmentSample

from .backends import DEVICES
from .prefetch import Prefetch
from .synth.rounds import corrupt, edge_corrupt, follow_up, segment_sample
from .synth.stream import HELD_OUT, TRAIN, SceneConfig, make_scene, scene_seed

MODELS = ("iscn", "mrn", "mask2alpha", "gfm")
DEFAULT_TASKS = {"box": 1.0, "text": 2.0, "mixed": 0.5, "clicks": 1.0, "scribbles": 0.5}
EVAL_SEED = 0  # the held-out split is the same for every training seed
MAX_TRIES = 16  # scenes tried for a sample whose task needs an expression
COARSE_BLUR = 2.0


class TrainingError(ValueError):
    """The training run cannot start (bad config, missing data); the message is meant for the user."""


@dataclass
class SynthSource:
    """The synthetic multi-instance stream as a trainer's data source (deterministic in (seed, step))."""

    photos: list[np.ndarray]
    seed: int = 0
    scene: SceneConfig = field(default_factory=SceneConfig)
    tasks: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TASKS))
    segmenter_coarse: float = 0.0  # share of refiner examples whose coarse mask the frozen segmenter makes
    pairs: bool = False  # two instances of one scene per pair of batch entries
    edge_coarse: float = 0.0  # share of the other refiner examples whose mask is only moved at its edge

    def _scene(self, split: int, seed: int, index: int):
        return make_scene(scene_seed(split, seed, index), self.photos, self.scene)

    def _task(self, step: int) -> str:
        names = sorted(self.tasks)
        w = np.array([self.tasks[n] for n in names], np.float64)
        return names[int(np.random.default_rng([self.seed, 3, step]).choice(len(names), p=w / w.sum()))]

    def _round(self, split: int, seed: int, index: int, task: str, member: int = 0) -> SegmentSample:
        """A round on scene ``index``; ``member`` k > 0 targets the k-th other instance of the same scene."""
        for t in range(MAX_TRIES):
            scene = self._scene(split, seed, index * MAX_TRIES + t)
            n = len(scene.alphas)
            base = int(np.random.default_rng([seed, split, index, t, 7]).integers(n))
            for k in range(n):  # the wanted instance first, then the others (a text may name only some)
                idx = (base + member + k) % n
                s = segment_sample(scene, idx, task, np.random.default_rng([seed, split, index, t, member, k]))
                if s is not None:
                    s.source = (scene, idx)
                    return s
        raise TrainingError(f"no '{task}' round found in {MAX_TRIES} scenes")

    def segment_batch(self, step: int, size: int) -> list[SegmentSample]:
        """``size`` rounds of one task; with ``pairs`` two rounds per scene aim at different instances, so a network
        that ignores its prompts cannot fit both."""
        task = self._task(step)
        if self.pairs:
            return [self._round(TRAIN, self.seed, step * size + j // 2, task, j % 2) for j in range(size)]
        return [self._round(TRAIN, self.seed, step * size + j, task) for j in range(size)]

    def follow_up(self, sample: SegmentSample, prob: np.ndarray, step: int, index: int) -> SegmentSample:
        scene, idx = sample.source
        s = follow_up(scene, idx, sample, prob, np.random.default_rng([self.seed, 5, step, index]))
        s.source = sample.source
        return s

    def segment_eval(self, count: int) -> list[SegmentSample]:
        out = []
        for i in range(count):
            for task in ("box", "text", "clicks"):
                out.append(self._round(HELD_OUT, EVAL_SEED, i, task))
        return out

    def _matte(self, split: int, seed: int, index: int) -> MatteSample:
        scene = self._scene(split, seed, index)
        rng = np.random.default_rng([seed, split, index, 11])
        idx = int(rng.integers(len(scene.alphas)))
        gt = scene.masks[idx]
        others = np.zeros_like(gt)
        for j, m in enumerate(scene.masks):
            if j != idx:
                others |= m
        wrong = corrupt(rng, gt, others)
        if self.edge_coarse > 0 and rng.random() < self.edge_coarse:
            wrong = edge_corrupt(rng, gt)
        coarse = cv2.GaussianBlur(wrong.astype(np.float32), (0, 0), COARSE_BLUR)
        seg = None
        if rng.random() < self.segmenter_coarse:
            seg = segment_sample(scene, idx, "box" if rng.random() < 0.6 else "clicks", rng)
        return MatteSample(scene.image, scene.alphas[idx], np.clip(coarse, 0, 1), segment=seg)

    def matte_batch(self, step: int, size: int) -> list[MatteSample]:
        return [self._matte(TRAIN, self.seed, step * size + j) for j in range(size)]

    def matte_eval(self, count: int) -> list[MatteSample]:
        return [self._matte(HELD_OUT, EVAL_SEED, i) for i in range(count)]


def load_config(path: Path, model: str, steps: Optional[int] = None, seed: Optional[int] = None,
                device: Optional[str] = None) -> dict:
    try:
        cfg = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise TrainingError(f"{path}: cannot read the training config ({exc})") from None
    if not isinstance(cfg, dict):
        raise TrainingError(f"{path}: the training config must be a JSON object")
    if cfg.setdefault("model", model) != model:
        raise TrainingError(f"{path}: config is for '{cfg['model']}', not '{model}'")
    if steps is not None:
        cfg["steps"] = int(steps)
    if seed is not None:
        cfg["seed"] = int(seed)
    if device is not None:
        if device not in DEVICES:
            raise TrainingError(f"device must be one of {', '.join(DEVICES)}, not '{device}'")
        cfg["device"] = device
    return cfg


def source_for(cfg: dict, photos: list[np.ndarray]) -> SynthSource:
    opts = cfg.get("options", {})
    scene = SceneConfig()
    if "scene_width" in opts:
        scene = replace(scene, width=tuple(opts["scene_width"]))
    if "instances" in opts:
        scene = replace(scene, instances=tuple(opts["instances"]))
    tasks = opts.get("tasks", DEFAULT_TASKS)
    if not tasks or any(t not in DEFAULT_TASKS for t in tasks):
        raise TrainingError(f"tasks must be among {', '.join(DEFAULT_TASKS)}")
    share = float(opts.get("segmenter_coarse", 1.0 if opts.get("iscn_weights") else 0.0))
    edge = float(opts.get("edge_coarse", 0.0))
    if not 0.0 <= edge <= 1.0:
        raise TrainingError(f"edge_coarse must be a share between 0 and 1, not {edge}")
    return SynthSource(photos, int(cfg.get("seed", 0)), scene, dict(tasks), share, bool(opts.get("pairs", False)),
                       edge)


def train(model: str, config: Path, out: Path, data: Path, resume: bool = False, steps: Optional[int] = None,
          seed: Optional[int] = None, progress: ProgressFn = no_progress, cancel: CancelFn = never_cancel,
          until: Optional[int] = None, device: Optional[str] = None, workers: Optional[int] = None,
          seconds: Optional[float] = None) -> dict:
    """Run (or resume) a training run; writes DIR/log.jsonl, DIR/checkpoint/ and DIR/<model>.safetensors (fp16).
    ``workers`` processes make the batches ahead (overrides the config's "workers"); ``seconds`` ends the chunk at the
    first step past that much training time. Returns {"step": ..., "eval": {...}, "weights": path, "sha256": ...}."""
    from .synth.dataset import SynthError, load_backgrounds

    if model not in MODELS:
        raise TrainingError(f"unknown model '{model}' (known: {', '.join(MODELS)})")
    cfg = load_config(config, model, steps, seed, device)
    if workers is not None:
        cfg["workers"] = workers
    n_workers = cfg.get("workers", 0)
    if not isinstance(n_workers, int) or n_workers < 0:
        raise TrainingError(f"workers must be a whole number, 0 or more, not {n_workers!r}")
    if seconds is not None and seconds <= 0:
        raise TrainingError(f"the chunk's time must be positive, not {seconds} s")
    try:
        photos = load_backgrounds(data)
    except SynthError as exc:
        raise TrainingError(str(exc)) from None
    source = source_for(cfg, photos)
    with contextlib.ExitStack() as stack:
        if n_workers > 0:
            source = stack.enter_context(Prefetch(source, n_workers))
        tr = trainers()
        try:
            run_cfg = tr.RunConfig.from_dict(cfg)
            task = tr.make_task(run_cfg, source)
        except (TypeError, ValueError) as exc:
            raise TrainingError(f"{config}: {exc}") from None
        out = Path(out)
        last = tr.run(task, run_cfg, out, resume=resume, progress=progress, cancel=cancel, until=until,
                      seconds=seconds)
    weights = out / f"{model}_{run_cfg.preset}.safetensors"
    sha = tr.export(task.net, weights, half=True)
    step = json.loads((out / "checkpoint" / "state.json").read_text())["step"]
    return {"step": step, "eval": last, "weights": str(weights), "sha256": sha}
