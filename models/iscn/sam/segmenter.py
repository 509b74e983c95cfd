"""The ISCN over SAM as a segmenter: encode once per image (a process-wide cache keyed by the weights and the image),
decode every round from the mapped prompts (:mod:`.prompts`), the previous round's best low-resolution logits as
``mask_input``, and - with the CRM on - the conflict points and the DFIMat conflict embedding added to the image
embedding. Text rounds rank candidate masks with CLIP (:mod:`.text`)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Optional

import cv2
import numpy as np
import torch

from ...protocol import (CancelFn, PromptSet, ProgressFn, SegmentRequest, SegmentResult, UnsupportedPrompt,
                         check_cancel, never_cancel, no_progress)
from ..crm import ConflictEmbedding, conflict_one_hot
from .engine import Decoded, DecoderInput
from .frame import LOW_RES, SamFrame
from .prompts import SamPrompt, sam_prompt

CACHE_IMAGES = 4  # embeddings kept across segmenters (4 MB each): switching back-ends or options does not re-encode
_CACHE: OrderedDict[tuple[str, str], object] = OrderedDict()
_CACHE_LOCK = threading.Lock()
BELOW_HALF = 0.4999  # a probability just under 0.5, so that prob >= 0.5 is exactly SAM's ``logits > 0``


def zero_conflict_embedding(dim: int = 256) -> ConflictEmbedding:
    """DFIMat's conflict embedding with its output projection initialised to zero: untrained, it adds nothing to
    SAM's image embedding (so SAM's masks are unchanged), and a later run can train it alone."""
    crm = ConflictEmbedding(dim)
    torch.nn.init.zeros_(crm.net[-1].weight)
    torch.nn.init.zeros_(crm.net[-1].bias)
    return crm.eval()


def probability(logits: np.ndarray) -> np.ndarray:
    """Logits -> probability with ``prob >= 0.5`` exactly where ``logits > 0`` (SAM's mask threshold)."""
    p = (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).astype(np.float32)
    return np.where(logits > 0, np.maximum(p, 0.5), np.minimum(p, BELOW_HALF)).astype(np.float32)


def choose(iou: np.ndarray, multimask: bool) -> int:
    """SAM's single mask (index 0), or of its three ambiguity masks (1..3) the one with the best predicted IoU."""
    if len(iou) == 1:
        return 0
    return 1 + int(np.argmax(iou[1:])) if multimask else 0


class SamSegmenter:
    name = "iscn"

    def __init__(self, engine, crm: Optional[ConflictEmbedding] = None, text=None, warnings: tuple[str, ...] = ()):
        self.engine = engine
        self.crm = crm  # None: the ablation without CRM (no conflict points, no conflict embedding)
        self.text = text  # a .text.TextRanker, or None (text prompts are refused)
        self.warnings = list(warnings)

    @property
    def accepts_text(self) -> bool:
        return self.text is not None

    # ------------------------------------------------------------------ encode once per image
    def embedding(self, image: np.ndarray, key: str, progress: ProgressFn, cancel: CancelFn):
        frame = SamFrame(*image.shape[:2])
        cache_key = (self.engine.fingerprint, key or frame_key(image))
        with _CACHE_LOCK:
            if cache_key in _CACHE:
                _CACHE.move_to_end(cache_key)
                return _CACHE[cache_key]
        progress(0.05, f"encoding the image ({self.engine.label}, once per image)")
        emb = self.engine.encode(frame.tensor(image), progress, cancel)
        with _CACHE_LOCK:
            _CACHE[cache_key] = emb
            while len(_CACHE) > CACHE_IMAGES:
                _CACHE.popitem(last=False)
        return emb

    # ------------------------------------------------------------------ decode
    def decode(self, embedding, frame: SamFrame, prompt: SamPrompt, mask_input: Optional[np.ndarray]) -> Decoded:
        """All of SAM's masks for one prompt set (C = 4, or 1 for a single-mask ONNX decoder)."""
        coords = frame.coords(prompt.coords) if len(prompt.coords) else None
        box = frame.coords(prompt.box.reshape(2, 2)).reshape(4) if prompt.box is not None else None
        return self.engine.decode(embedding, DecoderInput(coords, prompt.labels, box, mask_input), frame)

    def full_res(self, decoded: Decoded, index: int, frame: SamFrame) -> np.ndarray:
        if decoded.masks is not None:
            return decoded.masks[index]
        return frame.upscale(torch.from_numpy(decoded.low_res[index][None, None]))[0, 0].numpy()

    def predict(self, image: np.ndarray, key: str = "", point_coords=None, point_labels=None, box=None,
                mask_input=None, multimask_output: bool = True):
        """segment-anything's ``SamPredictor.predict(..., return_logits=True)`` over this engine: (masks (C, H, W)
        logits, IoU (C,), low-resolution logits (C, 256, 256)); C = 3 with ``multimask_output``, else 1."""
        frame = SamFrame(*image.shape[:2])
        emb = self.embedding(image, key, no_progress, never_cancel)
        prompt = SamPrompt(np.zeros((0, 2)) if point_coords is None else np.asarray(point_coords, np.float64),
                           np.zeros(0, np.int64) if point_labels is None else np.asarray(point_labels, np.int64),
                           None if box is None else np.asarray(box, np.float64))
        d = self.decode(emb, frame, prompt, None if mask_input is None else np.asarray(mask_input)[0])
        keep = range(1, len(d.iou)) if multimask_output and len(d.iou) > 1 else range(1)
        masks = np.stack([self.full_res(d, i, frame) for i in keep])
        return masks, d.iou[list(keep)], d.low_res[list(keep)]

    # ------------------------------------------------------------------ one round
    def mask_input(self, req: SegmentRequest, frame: SamFrame) -> Optional[np.ndarray]:
        """The previous round's best low-resolution logits, else its probability brought into the frame."""
        if req.prev_logits is not None and np.shape(req.prev_logits) == (LOW_RES, LOW_RES):
            return np.asarray(req.prev_logits, np.float32)
        if req.prev_prob is not None:
            return frame.mask_input(req.prev_prob)
        return None

    def conditioned(self, embedding, conflict: np.ndarray, frame: SamFrame):
        """The image embedding plus the CRM's conflict embedding (of the conflict map in the frame); an untrained
        (zero) projection adds exactly nothing, so it is not run."""
        last = None if self.crm is None else self.crm.net[-1]
        if last is None or not conflict.any() or not (last.weight.any() or last.bias.any()):
            return embedding
        h, w = frame.resized
        labels = np.zeros((frame.size, frame.size), np.int64)
        labels[:h, :w] = cv2.resize(conflict.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        with torch.inference_mode():
            extra = self.crm(conflict_one_hot(torch.from_numpy(labels)[None]), (frame.size // 16,) * 2)
        return self.engine.add(embedding, extra)

    def segment(self, req: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        check_cancel(cancel)
        frame = SamFrame(*req.image.shape[:2])
        prompts: PromptSet = req.prompts
        if prompts.texts and self.text is None:
            raise UnsupportedPrompt("text prompts with the SAM presets need the official CLIP weights ViT-B-32.pt "
                                    "(see 'mattestudio models'); use clicks, scribbles or boxes")
        # the CRM compares this round with the previous one: a first round has no conflict yet
        crm = self.crm is not None and (req.prev_prob is not None or req.prev_logits is not None)
        prompt = sam_prompt(prompts, frame, req.conflict if crm else None)
        emb = self.embedding(req.image, req.image_key, progress, cancel)
        check_cancel(cancel)
        if crm:
            emb = self.conditioned(emb, req.conflict, frame)
        mask_input = self.mask_input(req, frame)
        progress(0.9, "decoding the prompts")
        info = {"warnings": list(self.warnings), "points": len(prompt.coords), "box": prompt.box is not None,
                "conflict_points": prompt.conflict_points, "multimask": prompt.multimask}
        if prompts.texts:
            decoded, index, extra = self.text.choose(self, emb, frame, req.image, prompt, mask_input,
                                                     " ".join(prompts.texts), cancel)
            info.update(extra)
        else:
            decoded = self.decode(emb, frame, prompt, mask_input)
            index = choose(decoded.iou, prompt.multimask)
        logits = self.full_res(decoded, index, frame)
        info.update(mask=index, predicted_iou=float(decoded.iou[index]))
        progress(1.0, "segmented")
        return SegmentResult(probability(logits), decoded.low_res[index].copy(), info)


def frame_key(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() + str(image.shape)
