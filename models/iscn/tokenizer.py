"""Tokenizers for the text tower.

* :class:`HashTokenizer` - for our own small text tower: lower-cased words (and digits) mapped to ids by a fixed
  FNV-1a hash, deterministic on every machine, no vocabulary file. ``<sot>`` = vocab - 2, ``<eot>`` = vocab - 1 (the
  largest id, so open_clip's argmax pooling finds it), padding 0.
* :func:`clip_tokenizer` - open_clip's BPE tokenizer (49408 tokens) for the official CLIP weights; needs the optional
  ``open_clip_torch`` package (its vocabulary file ships inside it).
"""

from __future__ import annotations

import re

import torch

_WORD = re.compile(r"[a-z]+|[0-9]+|[^\sa-z0-9]")
_FNV_OFFSET, _FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def _fnv1a(word: str) -> int:
    h = _FNV_OFFSET
    for b in word.encode("utf-8"):
        h = ((h ^ b) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


class HashTokenizer:
    def __init__(self, vocab_size: int, context_length: int):
        if vocab_size < 8:
            raise ValueError("vocabulary too small")
        self.vocab_size, self.context_length = vocab_size, context_length
        self.sot, self.eot = vocab_size - 2, vocab_size - 1

    def word_id(self, word: str) -> int:
        return 1 + _fnv1a(word) % (self.vocab_size - 3)

    def __call__(self, texts: list[str]) -> torch.Tensor:
        out = torch.zeros(len(texts), self.context_length, dtype=torch.long)
        for i, text in enumerate(texts):
            ids = [self.word_id(w) for w in _WORD.findall(text.lower())][: self.context_length - 2]
            ids = [self.sot] + ids + [self.eot]
            out[i, : len(ids)] = torch.tensor(ids)
        return out


def clip_tokenizer(context_length: int = 77):
    """open_clip's BPE tokenizer as a callable ``list[str] -> LongTensor``; a clear error when it is missing."""
    from ..protocol import UnsupportedPrompt
    from ..torchvision_compat import ensure_torchvision

    ensure_torchvision()
    try:
        from open_clip.tokenizer import SimpleTokenizer
    except ImportError:
        raise UnsupportedPrompt("text prompts with the official CLIP text weights need the optional package "
                                "'open_clip_torch' for its tokenizer (pip install open_clip_torch -c "
                                "constraints.txt)") from None
    tok = SimpleTokenizer(context_length=context_length)
    return lambda texts: tok(texts, context_length=context_length)
