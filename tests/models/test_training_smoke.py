"""A short CPU training run of each network on generated composites: the loss goes down."""

import itertools

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mattestudio.models.gfm.config import TINY as GFM_TINY
from mattestudio.models.gfm.network import GFM
from mattestudio.models.iscn.config import TINY as ISCN_TINY
from mattestudio.models.iscn.crm import conflict_one_hot
from mattestudio.models.iscn.network import ISCN, PromptTensors
from mattestudio.models.iscn.sampler import prompt_points
from mattestudio.models.mrn.config import TINY as MRN_TINY
from mattestudio.models.mrn.network import MRN
from mattestudio.models.protocol import PromptSet
from mattestudio.models.training.loop import TrainConfig, train
from mattestudio.models.training.losses import bce_loss, dice_loss, iscn_loss
from mattestudio.models.training.steps import ISCNBatch, MattingBatch, gfm_step, iscn_step, mrn_step

SIZE, COUNT, STEPS = 64, 4, 20


def composites(seed=0):
    """Soft-edged ellipses of random colour over smooth colour gradients with noise: images, alphas, fg, bg."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    images, alphas, fgs, bgs, boxes = [], [], [], [], []
    for _ in range(COUNT):
        cx, cy = rng.uniform(20, 44, 2)
        ax, ay = rng.uniform(8, 18, 2)
        d = np.sqrt(((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2)
        alpha = np.clip((1.0 - d) * min(ax, ay) / 2.0 + 0.5, 0, 1).astype(np.float32)
        c0, c1 = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        bg = (c0 + (c1 - c0) * (xx / SIZE)[..., None]).astype(np.float32)
        fg = np.broadcast_to(rng.uniform(0, 1, 3), bg.shape).astype(np.float32)
        img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg + rng.normal(0, 0.02, bg.shape)
        images.append(np.clip(img, 0, 1).astype(np.float32))
        alphas.append(alpha), fgs.append(fg), bgs.append(bg)
        ys, xs = np.nonzero(alpha >= 0.5)
        boxes.append((xs.min() - 2.0, ys.min() - 2.0, xs.max() + 2.0, ys.max() + 2.0))
    t = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).float().contiguous()  # noqa: E731
    return t(images), torch.from_numpy(np.stack(alphas))[:, None], t(fgs), t(bgs), boxes


def decreased(log, k=5):
    return np.mean(log.losses[-k:]) < 0.8 * np.mean(log.losses[:k])


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors train faster on one thread (and do not stall on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    torch.manual_seed(0)
    return composites()


def test_iscn_learns(data):
    images, alphas, _, _, boxes = data
    cfg = ISCN_TINY.with_options(input_size=SIZE)
    pts = [prompt_points(PromptSet(boxes=(b,)), 1.0, SIZE, cfg.points_per_stroke, cfg.box_border, cfg.box_interior,
                         cfg.max_prompt_tokens) for b in boxes]
    prompts = PromptTensors(torch.from_numpy(np.stack([p.xy for p in pts])),
                            torch.from_numpy(np.stack([p.positive for p in pts])),
                            torch.from_numpy(np.stack([p.kind for p in pts])),
                            torch.ones(COUNT, len(pts[0]), dtype=torch.bool))
    batch = ISCNBatch(images * 255, (alphas[:, 0] >= 0.5).float(), prompts,
                      conflict_one_hot(torch.zeros(COUNT, SIZE, SIZE, dtype=torch.long)))
    torch.manual_seed(0)
    log = train(ISCN(cfg), itertools.repeat(batch), iscn_step, TrainConfig(steps=STEPS, lr=2e-3))
    assert decreased(log), log.losses


def test_iscn_loss_weighs_the_query_choice_apart_from_the_matched_mask():
    torch.manual_seed(1)
    target = (torch.rand(2, 16, 16) > 0.5).float()
    masks = [torch.randn(2, 4, 8, 8) for _ in range(2)]  # two decoder stages, four queries
    classes = [torch.randn(2, 4) for _ in range(2)]
    small = F.interpolate(target[:, None], size=(8, 8), mode="bilinear")[:, 0]
    choice = []  # the class term by hand: cross-entropy toward the query whose mask matches best
    for c, m in zip(classes, masks):
        cost = torch.stack([torch.stack([bce_loss(m[b, q][None], small[b][None])[0] +
                                         dice_loss(m[b, q][None], small[b][None])[0] for q in range(4)])
                            for b in range(2)])
        choice.append(float(F.cross_entropy(c, cost.argmin(1))))
    by_weight = {w: float(iscn_loss(classes, masks, target, class_weight=w)) for w in (0.0, 0.5, 1.0)}
    assert by_weight[1.0] - by_weight[0.0] == pytest.approx(np.mean(choice), rel=1e-5)
    assert by_weight[0.5] == pytest.approx(by_weight[0.0] + 0.5 * np.mean(choice), rel=1e-5)
    assert float(iscn_loss(classes, masks, target)) == pytest.approx(by_weight[0.0] + 0.1 * np.mean(choice), rel=1e-5)


def test_mrn_learns(data):
    images, alphas, _, _, _ = data
    coarse = np.stack([cv2.GaussianBlur((a[0] >= 0.5).astype(np.float32), (7, 7), 2) for a in alphas.numpy()])
    batch = MattingBatch(images, alphas, torch.from_numpy(coarse)[:, None])
    torch.manual_seed(0)
    log = train(MRN(MRN_TINY.with_options(global_size=SIZE)), itertools.repeat(batch), mrn_step, TrainConfig(steps=STEPS, lr=2e-3))
    assert decreased(log), log.losses


def test_gfm_learns(data):
    images, alphas, fg, bg, _ = data
    batch = MattingBatch(images, alphas, fg=fg, bg=bg)
    torch.manual_seed(0)
    log = train(GFM(GFM_TINY), itertools.repeat(batch), gfm_step, TrainConfig(steps=STEPS, lr=2e-3))
    assert decreased(log), log.losses
