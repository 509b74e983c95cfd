"""The ISCN predictor: holds the network and its state - the image embedding (encode once per image, cached by
``image_key``), the text tokenizer, the device - and turns a :class:`SegmentRequest` into a :class:`SegmentResult`.
Each round re-runs only the decoder; the chosen query's low-resolution logits go back to the session and return as
the next round's attention mask."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Callable, Optional

import numpy as np
import torch

from ..nn.runtime import Frame, image_tensor, sigmoid
from ..protocol import (CancelFn, PromptSet, ProgressFn, SegmentRequest, SegmentResult, UnsupportedPrompt,
                        check_cancel)
from .crm import conflict_one_hot
from .network import ISCN, ImageEmbedding, PromptTensors, select_query
from .sampler import prompt_points

CACHE_IMAGES = 2  # embeddings kept (current image and one more, e.g. while switching)
PROB_EPS = 1e-4


class ISCNPredictor:
    def __init__(self, net: ISCN, device: torch.device, tokenizer: Optional[Callable] = None,
                 warnings: tuple[str, ...] = ()):
        self.net = net.to(device).eval()
        self.device = device
        self.tokenizer = tokenizer  # None: no trained text weights -> text prompts are refused
        self.warnings = list(warnings)
        self._cache: OrderedDict[str, tuple[Frame, ImageEmbedding]] = OrderedDict()

    @property
    def accepts_text(self) -> bool:
        return self.tokenizer is not None

    # ------------------------------------------------------------------ encode once per image
    def embedding(self, image: np.ndarray, key: str = "") -> tuple[Frame, ImageEmbedding]:
        key = key or hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() + str(image.shape)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        frame = Frame(image.shape[0], image.shape[1], self.net.cfg.input_size)
        with torch.inference_mode():
            emb = self.net.encode(image_tensor(frame.image(image), self.device))
        self._cache[key] = (frame, emb)
        while len(self._cache) > CACHE_IMAGES:
            self._cache.popitem(last=False)
        return frame, emb

    # ------------------------------------------------------------------ prompts -> tensors
    def prompt_tensors(self, prompts: PromptSet, frame: Frame) -> PromptTensors:
        cfg = self.net.cfg
        pts = prompt_points(prompts, frame.scale, frame.size, cfg.points_per_stroke, cfg.box_border,
                            cfg.box_interior, cfg.max_prompt_tokens)
        dev = self.device
        text = None
        if prompts.texts:
            if self.tokenizer is None:
                raise UnsupportedPrompt("the 'iscn' segmenter has no trained text weights installed, so it cannot "
                                        "follow text prompts; use clicks, scribbles or boxes, or install the ISCN "
                                        "text weights (see 'mattestudio models')")
            text = self.tokenizer([" ".join(prompts.texts)]).to(dev)
        return PromptTensors(torch.from_numpy(pts.xy)[None].to(dev), torch.from_numpy(pts.positive)[None].to(dev),
                             torch.from_numpy(pts.kind)[None].to(dev),
                             torch.ones(1, len(pts), dtype=torch.bool, device=dev), text)

    def _prev_logits(self, req: SegmentRequest, frame: Frame, low: int) -> Optional[torch.Tensor]:
        if req.prev_logits is not None and req.prev_logits.shape == (low, low):
            prev = np.asarray(req.prev_logits, np.float32)
        elif req.prev_prob is not None:
            p = np.clip(frame.map(req.prev_prob), PROB_EPS, 1 - PROB_EPS)
            p = p.reshape(low, frame.size // low, low, frame.size // low).mean((1, 3))
            prev = np.log(p / (1 - p)).astype(np.float32)
        else:
            return None
        return torch.from_numpy(np.ascontiguousarray(prev))[None, None].to(self.device)

    # ------------------------------------------------------------------ one round
    def segment(self, req: SegmentRequest, progress: ProgressFn, cancel: CancelFn) -> SegmentResult:
        check_cancel(cancel)
        prompts = self.prompt_tensors(req.prompts, Frame(*req.image.shape[:2], self.net.cfg.input_size))
        progress(0.05, "encoding image")
        frame, emb = self.embedding(req.image, req.image_key)
        check_cancel(cancel)
        progress(0.6, "decoding prompts")
        low = emb.pixel_emb.shape[-1]
        conflict = torch.from_numpy(frame.map(req.conflict, nearest=True).astype(np.int64))[None].to(self.device)
        with torch.inference_mode():
            out = self.net.decode(emb, prompts, conflict_one_hot(conflict), self._prev_logits(req, frame, low))
            q = select_query(out)
            logits = out.final_masks[0, q[0]].float().cpu().numpy()
            score = torch.sigmoid(out.final_class[0, q[0]]).item()
        prob = np.clip(sigmoid(frame.back(logits)), 0.0, 1.0)
        progress(1.0, "segmented")
        return SegmentResult(prob, logits, {"warnings": list(self.warnings), "query": int(q[0]), "score": score})
