"""Text rounds of the ISCN over SAM, zero-shot: candidate masks (SAM's three masks for the round's visual prompts, or
automatic candidates when the prompts are text alone) ranked by CLIP's similarity between the text and each masked
crop of the photo (background greyed out to CLIP's mean colour). Needs OpenAI's ``ViT-B-32.pt`` (or a same-layout
file the user named) and open_clip's tokenizer; its quality on matting subjects is not measured here."""

from __future__ import annotations

from typing import Callable, Optional

import cv2
import numpy as np
import torch

from ... import weights as W
from ...nn.runtime import keep_one
from ...protocol import BackendError, CancelFn, check_cancel
from .. import specs
from ..checkpoints import clip_state
from ..clip_model import CLIP_MEAN, CLIP_STD, ClipModel, clip_from_state
from ..tokenizer import clip_tokenizer
from .auto import automatic_candidates
from .checkpoint import architecture
from .engine import Decoded
from .frame import SamFrame
from .prompts import SamPrompt

CROP_PAD = 0.1  # the mask's box is widened by this share of its size on each side


def masked_crop(image: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """The mask's box of the photo, outside the mask set to CLIP's mean colour, padded square, resized -> (3, size,
    size) normalised float32."""
    mean = np.array(CLIP_MEAN, np.float32) * 255
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        crop = np.broadcast_to(mean, (size, size, 3)).astype(np.float32)
    else:
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        py, px = int(CROP_PAD * (y1 - y0)), int(CROP_PAD * (x1 - x0))
        y0, y1 = max(0, y0 - py), min(image.shape[0], y1 + py)
        x0, x1 = max(0, x0 - px), min(image.shape[1], x1 + px)
        crop = np.where(mask[y0:y1, x0:x1, None], image[y0:y1, x0:x1].astype(np.float32), mean)
        side = max(crop.shape[:2])
        square = np.broadcast_to(mean, (side, side, 3)).copy()
        oy, ox = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
        square[oy:oy + crop.shape[0], ox:ox + crop.shape[1]] = crop
        crop = cv2.resize(square, (size, size), interpolation=cv2.INTER_CUBIC if side < size else cv2.INTER_AREA)
    x = (crop / 255.0 - np.array(CLIP_MEAN, np.float32)) / np.array(CLIP_STD, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1), np.float32)


class TextRanker:
    def __init__(self, clip: ClipModel, tokenizer: Callable, device: torch.device):
        self.clip = clip.to(device).eval()
        self.tokenizer = tokenizer
        self.device = device

    def scores(self, image: np.ndarray, masks: list[np.ndarray], text: str) -> np.ndarray:
        """CLIP's probability of ``text`` over the masked crops (softmax of the scaled cosine similarities)."""
        size = self.clip.visual.input_resolution
        crops = torch.from_numpy(np.stack([masked_crop(image, m, size) for m in masks])).to(self.device)
        with torch.inference_mode():
            img = self.clip.encode_image(crops)
            txt = self.clip.encode_text(self.tokenizer([text]).to(self.device))
            logits = self.clip.logit_scale.exp() * img @ txt[0]
        return torch.softmax(logits.float(), 0).cpu().numpy()

    def choose(self, segmenter, embedding, frame: SamFrame, image: np.ndarray, prompt: SamPrompt,
               mask_input: Optional[np.ndarray], text: str, cancel: CancelFn) -> tuple[Decoded, int, dict]:
        """The candidates of a text round, the index of the one CLIP ranks first, and what to report."""
        if prompt.empty:
            decoded = automatic_candidates(segmenter.engine, embedding, frame, cancel)
            indices = list(range(len(decoded.iou)))
            source = "automatic"
        else:
            decoded = segmenter.decode(embedding, frame, prompt, mask_input)
            indices = list(range(1, len(decoded.iou))) or [0]
            source = "multimask"
        check_cancel(cancel)
        masks = [segmenter.full_res(decoded, i, frame) > 0 for i in indices]
        scores = self.scores(image, masks, text)
        best = indices[int(np.argmax(scores))]
        return decoded, best, {"text_candidates": source, "text_scores": [round(float(s), 4) for s in scores]}


#: the last CLIP ranker built, by device and checkpoint hash: each photo's session reuses it instead of reading the
#: checkpoint again
_RANKERS: dict[str, TextRanker] = {}


def load_text_ranker(device: torch.device) -> tuple[Optional[TextRanker], list[str]]:
    """The CLIP ranker when CLIP weights are found (None otherwise: text prompts are refused), and notes."""
    checked = W.check(specs.CLIP_B32)
    if checked is None:
        return None, []
    try:
        tokenizer = clip_tokenizer(77)
    except BackendError as exc:
        return None, [f"{checked.path} is present but text prompts stay off: {exc}"]
    notes = [checked.note] if checked.note else []
    notes.append("text rounds rank SAM's candidate masks with CLIP, zero-shot (quality not measured here)")
    return keep_one(_RANKERS, f"{device}:{checked.sha256}", lambda: _ranker(checked, tokenizer, device)), notes


def _ranker(checked, tokenizer: Callable, device: torch.device) -> TextRanker:
    state = clip_state(checked)
    arch = architecture(state)
    if arch is None or arch.kind != "clip":
        raise W.WeightsError(f"{checked.path}: " + (f"a {arch.label} checkpoint" if arch else "not a CLIP checkpoint")
                             + f", not the CLIP model that '{specs.CLIP_B32.name}' names")
    try:
        clip = clip_from_state(state)
    except (W.WeightsError, KeyError, RuntimeError) as exc:
        raise W.WeightsError(f"{checked.path}: not a CLIP checkpoint in OpenAI's layout ({exc})") from None
    if clip.text.cfg.context_length != 77:
        raise W.WeightsError(f"{checked.path}: a CLIP text context of {clip.text.cfg.context_length} tokens, not 77")
    return TextRanker(clip, tokenizer, device)
