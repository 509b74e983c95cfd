"""What the grounding networks return, as plain numpy values (no torch at import: the session reads these)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the detector's 80 classes, in its output order (COCO's names as NanoDet and vladmandic/human list them)
COCO_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
)
PERSON = 0


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in image pixels
    label: int  # index into COCO_CLASSES
    score: float

    @property
    def name(self) -> str:
        return COCO_CLASSES[self.label]

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.box
        return max(0.0, x1 - x0) * max(0.0, y1 - y0)

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return (x0 + x1) / 2, (y0 + y1) / 2


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes ``a`` (N, 4) against ``b`` (M, 4) -> (N, M)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float, limit: int = 100) -> list[int]:
    """Greedy non-maximum suppression: indices kept, best score first."""
    order = list(np.argsort(-scores, kind="stable"))
    keep: list[int] = []
    while order and len(keep) < limit:
        i = order.pop(0)
        keep.append(int(i))
        if order:
            rest = np.array(order)
            order = list(rest[box_iou(boxes[i], boxes[rest])[0] <= iou])
    return keep


@dataclass(frozen=True)
class DetectionField:
    """Every candidate box of one image with its score for each of the 80 classes (the detector's cells, decoded),
    so that a class can be asked for by name even where another class scores higher in the same cell."""

    boxes: np.ndarray  # (N, 4) float32, image pixels
    scores: np.ndarray  # (N, 80) float32 in [0, 1]
    iou: float = 0.6  # NMS overlap within a class (NanoDet's own setting)

    def of_class(self, label: int, min_score: float, limit: int = 20) -> list[Detection]:
        """Detections of one class scoring at least ``min_score``, after NMS, best first."""
        s = self.scores[:, label]
        idx = np.flatnonzero(s >= min_score)
        if idx.size == 0:
            return []
        keep = nms(self.boxes[idx], s[idx], self.iou, limit)
        return [Detection(tuple(float(v) for v in self.boxes[idx[k]]), label, float(s[idx[k]])) for k in keep]

    def found(self, min_score: float) -> list[Detection]:
        """What the photo shows by the detector's own best class per cell (for messages), best first."""
        if len(self.boxes) == 0:
            return []
        best = self.scores.argmax(1)
        out: list[Detection] = []
        for label in np.unique(best[self.scores.max(1) >= min_score]):
            cells = np.flatnonzero((best == label) & (self.scores[:, label] >= min_score))
            keep = nms(self.boxes[cells], self.scores[cells, label], self.iou)
            out += [Detection(tuple(float(v) for v in self.boxes[cells[k]]), int(label),
                              float(self.scores[cells[k], label])) for k in keep]
        return sorted(out, key=lambda d: -d.score)
