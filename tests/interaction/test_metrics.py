"""Each matting metric on small hand-computed cases."""

import numpy as np
import pytest

from mattestudio.interaction.bench import metrics as M


def test_sad_mse_mad_by_hand():
    gt = np.array([[0.0, 1.0], [0.5, 1.0]])
    pred = np.array([[0.5, 1.0], [0.0, 0.0]])
    # |diff| = 0.5, 0, 0.5, 1 -> sum 2.0; squared 0.25, 0, 0.25, 1 -> 1.5
    assert M.sad(pred, gt) == pytest.approx(2.0 / 1000)
    assert M.mse(pred, gt) == pytest.approx(1.5 / 4)
    assert M.mad(pred, gt) == pytest.approx(2.0 / 4)
    region = np.array([[True, False], [False, True]])
    assert M.sad(pred, gt, region) == pytest.approx(1.5 / 1000)
    assert M.mse(pred, gt, region) == pytest.approx((0.25 + 1.0) / 2)
    assert M.mad(pred, gt, region) == pytest.approx(1.5 / 2)


def test_iou_and_noc():
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    a[:2] = True  # 8 px
    b[1:3] = True  # 8 px, 4 shared
    assert M.iou(a, b) == pytest.approx(4 / 12)
    assert M.iou(a, a) == 1.0
    assert M.noc([0.5, 0.86, 0.91], 0.85, 20) == 2
    assert M.noc([0.5, 0.86, 0.91], 0.90, 20) == 3
    assert M.noc([0.5, 0.6], 0.90, 20) == 20


def test_gradient_kernel_matches_the_evaluation_code():
    k = M.gauss_gradient_kernel(1.4)
    # halfsize = ceil(1.4 * sqrt(-2 ln(sqrt(2 pi) 1.4 0.01))) = 4 -> 9 x 9, unit L2 norm, odd in x, even in y
    assert k.shape == (9, 9)
    assert np.sum(k * k) == pytest.approx(1.0)
    assert np.allclose(k, -k[:, ::-1]) and np.allclose(k, k[::-1, :])


def test_grad_zero_for_equal_and_scale_invariant_by_normalisation():
    rng = np.random.default_rng(0)
    gt = rng.random((20, 20))
    assert M.grad(gt, gt) == 0.0
    # min-max normalisation: an affine copy of the matte has the same gradient
    assert M.grad(0.5 * gt + 0.2, gt) == pytest.approx(0.0, abs=1e-12)


def test_grad_of_a_step_by_hand():
    # a vertical step edge vs a flat matte: only the step's gradient magnitude counts
    gt = np.zeros((12, 12))
    gt[:, 6:] = 1.0
    pred = np.zeros((12, 12))
    mag = M.gradient_magnitude(gt)
    # columns are uniform, so gy = 0; at column 5 (last 0) the kernel columns 0..3 land on the 1s (convolution)
    k = M.gauss_gradient_kernel()
    assert mag[6, 5] == pytest.approx(abs(k[:, :4].sum()), rel=1e-9)
    assert mag[6, 6] == pytest.approx(abs(k[:, :4].sum()), rel=1e-9)
    assert mag[6, 0] == pytest.approx(0.0, abs=1e-9)
    assert M.grad(pred, gt) == pytest.approx((mag ** 2).sum() / 1000)


def test_conn_levels_and_error_by_hand():
    # 1 x 5 strip; gt fully opaque, prediction 0.9 on the left and a disconnected 1.0 pixel on the right
    gt = np.ones((1, 5))
    pred = np.array([[0.9, 0.9, 0.0, 1.0, 0.95]])
    level = M.connectivity_levels(pred, gt)
    # t = 0.1..0.9: largest component is the left pair (2 px) vs right pair (2 px): the first (leftmost) wins;
    # right pixels leave at t = 0.1 (level 0.0), the zero pixel too; the left pair leaves at t = 1.0 (level 0.9)
    assert np.allclose(level, [[0.9, 0.9, 0.0, 0.0, 0.0]])
    # phi = 1 - d * (d >= 0.15), d = alpha - level
    phi_p = np.array([1.0, 1.0, 1.0, 0.0, 0.05])
    phi_g = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    assert M.conn(pred, gt) == pytest.approx(np.abs(phi_p - phi_g).sum() / 1000)
    assert M.conn(gt, gt) == 0.0


def test_conn_uses_four_connectivity():
    # diagonal neighbours are not connected: two 1-px pieces plus a 2-px piece
    gt = np.ones((3, 3))
    pred = np.array([[1.0, 0, 0], [0, 1.0, 1.0], [0, 0, 0]])
    level = M.connectivity_levels(pred, gt)
    assert level[1, 1] == 1.0 and level[1, 2] == 1.0  # the 2-px piece is the largest at every threshold
    assert level[0, 0] == 0.0  # the diagonal pixel is cut off from the first threshold on
    assert np.count_nonzero(level == 0.0) == 7
    # phi_p: pair 1, (0,0) 1 - 1 = 0, zeros 1; phi_g: pair 1, every other pixel 1 - 1 = 0 -> 6 pixels differ by 1
    assert M.conn(pred, gt) == pytest.approx(6 / 1000)


def test_alpha_scores_region_matches_single_metrics():
    rng = np.random.default_rng(1)
    gt, pred = rng.random((16, 16)), rng.random((16, 16))
    region = rng.random((16, 16)) > 0.5
    s = M.alpha_scores(pred, gt, region)
    assert s.sad == pytest.approx(M.sad(pred, gt, region))
    assert s.grad == pytest.approx(M.grad(pred, gt, region))
    assert s.conn == pytest.approx(M.conn(pred, gt, region))
