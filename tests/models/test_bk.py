"""The GIL-free Boykov-Kolmogorov max-flow: exact minimum cuts (brute force on small graphs, PyMaxflow on grids) and
the GIL released while it runs."""

import itertools
import threading

import maxflow
import numpy as np
import pytest

from mattestudio.models.classic.bk import GRID_OFFSETS, grid_neighbours, min_cut


def _random_grid(rng, h, w):
    nbr = grid_neighbours(h, w)
    cap = np.where(nbr >= 0, rng.random((h * w, 8)) * rng.choice([0.0, 1.0, 5.0], (h * w, 8)), 0.0)
    src = rng.random(h * w) * rng.choice([0.0, 2.0, 10.0], h * w)
    snk = rng.random(h * w) * rng.choice([0.0, 2.0, 10.0], h * w)
    return nbr, cap, src, snk


def _cut_value(nbr, cap, src, snk, sink):
    value = snk[~sink].sum() + src[sink].sum()
    for v, k in zip(*np.nonzero(nbr >= 0)):
        if not sink[v] and sink[nbr[v, k]]:
            value += cap[v, k]
    return value


def test_grid_neighbours_pair_each_slot_with_its_opposite():
    nbr = grid_neighbours(3, 4)
    for k, (dy, dx) in enumerate(GRID_OFFSETS):
        assert GRID_OFFSETS[(k + 4) % 8] == (-dy, -dx)
    assert nbr[0].tolist() == [1, 4, 5, -1, -1, -1, -1, -1]  # top-left pixel: right, down, down-right
    v = 1 * 4 + 1
    for k in range(8):
        q = nbr[v, k]
        assert nbr[q, (k + 4) % 8] == v


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_on_small_graphs(seed):
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    nbr, cap, src, snk = _random_grid(rng, h, w)
    flow, sink = min_cut(nbr, cap, src, snk)
    best = min(_cut_value(nbr, cap, src, snk, np.array(lab, bool))
               for lab in itertools.product([False, True], repeat=h * w))
    assert flow == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert _cut_value(nbr, cap, src, snk, sink) == pytest.approx(best, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_matches_pymaxflow_on_grids(seed):
    rng = np.random.default_rng(100 + seed)
    h, w = int(rng.integers(10, 50)), int(rng.integers(10, 50))
    nbr, cap, src, snk = _random_grid(rng, h, w)
    g = maxflow.Graph[float]()
    g.add_nodes(h * w)
    for v, k in zip(*np.nonzero(nbr[:, :4] >= 0)):
        q = nbr[v, k]
        g.add_edge(int(v), int(q), float(cap[v, k]), float(cap[q, k + 4]))
    for v in range(h * w):
        g.add_tedge(v, float(src[v]), float(snk[v]))
    reference = g.maxflow()
    flow, sink = min_cut(nbr, cap, src, snk)
    assert flow == pytest.approx(reference, rel=1e-9)
    assert _cut_value(nbr, cap, src, snk, sink) == pytest.approx(reference, rel=1e-9)


def test_input_shapes_are_checked():
    with pytest.raises(ValueError):
        min_cut(np.zeros((4, 4), np.int64), np.zeros((4, 4)), np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError):
        min_cut(grid_neighbours(2, 2), np.zeros((4, 8)), np.zeros(3), np.zeros(4))
    assert min_cut(np.zeros((0, 8), np.int64), np.zeros((0, 8)), np.zeros(0), np.zeros(0))[1].shape == (0,)


def test_the_gil_is_free_while_a_cut_is_solved():
    """Another Python thread keeps running during the solve (PyMaxflow would hold it still for the whole call)."""
    rng = np.random.default_rng(7)
    h, w = 500, 500
    nbr = grid_neighbours(h, w)
    cap = np.where(nbr >= 0, 5.0, 0.0)
    noise = rng.random(h * w)
    src, snk = noise * 4.0, (1.0 - noise) * 4.0
    min_cut(grid_neighbours(2, 2), np.zeros((4, 8)), np.zeros(4), np.zeros(4))  # compiled before timing
    inside = threading.Event()
    done = threading.Event()

    def solve():
        inside.set()
        min_cut(nbr, cap, src, snk)
        done.set()

    worker = threading.Thread(target=solve)
    ticks = 0
    worker.start()
    inside.wait()
    while not done.is_set():
        ticks += 1
        threading.Event().wait(0.0005)
    worker.join()
    assert ticks >= 20
