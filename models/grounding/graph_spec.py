"""Loading a shipped graph (description + weights) through the safe path: both files sha256-checked, the weights from
safetensors, the description from JSON; nothing is unpickled."""

from __future__ import annotations

import json

from ..protocol import BackendError
from ..registry import WeightSpec


class GraphError(BackendError):
    """A graph description cannot be run; the message names what is wrong."""


def load_graph(graph: WeightSpec, weights: WeightSpec):
    """A :class:`~mattestudio.models.grounding.interpreter.GraphNet` for the two files, on the CPU, in eval mode."""
    from .. import weights as W
    from .interpreter import GraphNet

    path = W.resolve(graph)
    if path is None:
        raise W.WeightsError(f"graph '{graph.name}' not found: put {graph.filename} in {W.BUNDLED_DIR}")
    W.verify(path, graph.sha256)
    spec = json.loads(path.read_text(encoding="utf-8"))
    if spec.get("format") != "mattestudio-tfjs-graph/1":
        raise GraphError(f"{path}: not a graph description this version reads ({spec.get('format')!r})")
    return GraphNet(spec, W.load_spec(weights)).eval()
