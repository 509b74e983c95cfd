"""SAM-family ONNX pairs (what labelme/osam and X-AnyLabeling users have on disk) run by ONNX Runtime: an encoder
``.onnx`` taking SAM's normalised, padded (1, 3, 1024, 1024) image and giving the (1, 256, 64, 64) embedding, and a
decoder ``.onnx`` with segment-anything's ``SamOnnxModel`` contract - inputs ``image_embeddings``, ``point_coords``,
``point_labels``, ``mask_input``, ``has_mask_input``, ``orig_im_size``; outputs the masks at the image's size, their
predicted IoU and the low-resolution logits. Same prompt mapping and round feedback as the torch engine; CPU, or
CUDA when ONNX Runtime has that provider and the device asks for it.

The decoder's full-size ``masks`` output is not used: decoders exported with segment-anything 1.0 (the PyPI release)
crop it for the aspect ratio of the export's dummy image (segment-anything issue #56, fixed after the release), so the
low-resolution logits are brought to the image's size here exactly as ``SamPredictor`` does."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch

from ... import weights as W
from ...protocol import BackendError, Cancelled, CancelFn, ProgressFn
from .engine import Decoded, DecoderInput
from .frame import LOW_RES, SamFrame
from .model import EMBED_DIM, IMAGE_SIZE

DECODER_INPUTS = ("image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size")
CANCEL_POLL_S = 0.05


def partner(encoder: Path) -> Path:
    """The decoder next to an encoder: the file named like it with "decoder" for its last "encoder"."""
    i = encoder.name.rfind("encoder")
    if i < 0:
        raise BackendError(f"{encoder}: cannot tell its decoder's file from its name; give onnx_decoder=PATH")
    return encoder.with_name(encoder.name[:i] + "decoder" + encoder.name[i + len("encoder"):])


def _describe(args) -> str:
    return ", ".join(f"{a.name} {list(a.shape)}" for a in args) or "nothing"


def _open(ort, path: Path, providers: list[str], what: str):
    if not path.is_file():
        raise W.WeightsError(f"{path}: no such file (the SAM {what} .onnx)")
    try:
        return ort.InferenceSession(str(path), providers=providers)
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file
        raise W.WeightsError(f"{path}: not an ONNX model that ONNX Runtime can open "
                             f"({str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__})")\
            from None


def _static(dim) -> int | None:
    return dim if isinstance(dim, int) else None


class OnnxEngine:
    def __init__(self, encoder: Path, decoder: Path, device: torch.device):
        try:
            import onnxruntime as ort
        except ImportError:
            raise BackendError("the onnx option needs the optional package 'onnxruntime' "
                               "(pip install 'mattestudio[onnx]' -c constraints.txt)") from None
        self.ort = ort
        cuda = device.type == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers()
        providers = (["CUDAExecutionProvider"] if cuda else []) + ["CPUExecutionProvider"]
        self.encoder = _open(ort, encoder, providers, "encoder")
        self.decoder = _open(ort, decoder, providers, "decoder")
        self._check(encoder, decoder)
        hashes = {p: W.sha256_of(p) for p in (encoder, decoder)}
        self.notes = [f"{p}: an ONNX file the user named, sha256 {h}; unverified (no published sha256)"
                      for p, h in hashes.items()]
        self.fingerprint = f"onnx:{'cuda' if cuda else 'cpu'}:{hashes[encoder]}"
        self.label = "SAM ONNX encoder"
        self.enc_input = self.encoder.get_inputs()[0].name

    def _check(self, encoder: Path, decoder: Path) -> None:
        ins, outs = self.encoder.get_inputs(), self.encoder.get_outputs()
        shape = list(ins[0].shape) if len(ins) == 1 else []
        ok = (len(shape) == 4 and _static(shape[1]) in (3, None) and all(_static(d) in (IMAGE_SIZE, None)
                                                                          for d in shape[2:]))
        if not ok or "float" not in ins[0].type:
            raise W.WeightsError(f"{encoder}: not a SAM image encoder: it takes {_describe(ins)}, not one "
                                 f"(1, 3, {IMAGE_SIZE}, {IMAGE_SIZE}) float image")
        out = list(outs[0].shape)
        if len(out) != 4 or _static(out[1]) not in (EMBED_DIM, None):
            raise W.WeightsError(f"{encoder}: not a SAM image encoder: it gives {_describe(outs)}, not a "
                                 f"(1, {EMBED_DIM}, 64, 64) embedding")
        names = [i.name for i in self.decoder.get_inputs()]
        if set(names) != set(DECODER_INPUTS) or len(self.decoder.get_outputs()) < 3:
            raise W.WeightsError(f"{decoder}: not a SAM decoder: its inputs are {', '.join(names) or 'none'}; "
                                 f"expected {', '.join(DECODER_INPUTS)} (segment-anything's SamOnnxModel export)")

    def _run(self, session, feeds: dict, cancel: CancelFn | None = None) -> list:
        """``session.run``; a ``cancel`` that turns true stops it between nodes (ONNX Runtime's ``terminate``)."""
        if cancel is None:
            return session.run(None, feeds)
        options = self.ort.RunOptions()
        done = threading.Event()

        def watch() -> None:
            while not done.wait(CANCEL_POLL_S):
                if cancel():
                    options.terminate = True
                    return

        watcher = threading.Thread(target=watch, name="mattestudio-onnx-cancel", daemon=True)
        watcher.start()
        try:
            return session.run(None, feeds, options)
        except Exception:
            if cancel():
                raise Cancelled() from None
            raise
        finally:
            done.set()
            watcher.join()

    def encode(self, image: np.ndarray, progress: ProgressFn, cancel: CancelFn) -> np.ndarray:
        progress(0.1, f"encoding the image ({self.label}, once per image)")
        out = self._run(self.encoder, {self.enc_input: np.ascontiguousarray(image, np.float32)}, cancel)[0]
        if cancel():
            raise Cancelled()
        return np.asarray(out, np.float32)

    def decode(self, embedding: np.ndarray, inp: DecoderInput, frame: SamFrame) -> Decoded:
        coords = [] if inp.coords is None else [np.asarray(inp.coords, np.float32).reshape(-1, 2)]
        labels = [] if inp.labels is None or inp.coords is None else [np.asarray(inp.labels, np.float32)]
        if inp.box is not None:
            coords.append(np.asarray(inp.box, np.float32).reshape(2, 2))
            labels.append(np.array([2, 3], np.float32))
        else:  # without a box, a padding point stands where the corners would be (SamPredictor does the same)
            coords.append(np.zeros((1, 2), np.float32))
            labels.append(np.array([-1], np.float32))
        has_mask = inp.mask_input is not None
        mask = inp.mask_input if has_mask else np.zeros((LOW_RES, LOW_RES), np.float32)
        feeds = {"image_embeddings": np.ascontiguousarray(embedding, np.float32),
                 "point_coords": np.concatenate(coords)[None], "point_labels": np.concatenate(labels)[None],
                 "mask_input": np.ascontiguousarray(mask, np.float32)[None, None],
                 "has_mask_input": np.array([float(has_mask)], np.float32),
                 "orig_im_size": np.array([frame.height, frame.width], np.float32)}
        _, iou, low = self._run(self.decoder, feeds)[:3]
        return Decoded(np.asarray(low[0], np.float32), np.asarray(iou[0], np.float32))

    def decode_points(self, embedding: np.ndarray, coords: np.ndarray,
                      labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lows, ious = [], []
        frame = SamFrame(LOW_RES, LOW_RES)  # the masks at an image size are not needed here: the smallest
        for c, lab in zip(coords, labels):
            d = self.decode(embedding, DecoderInput(c, lab, None, None), frame)
            lows.append(d.low_res)
            ious.append(d.iou)
        return np.stack(lows), np.stack(ious)

    def add(self, embedding: np.ndarray, extra: torch.Tensor) -> np.ndarray:
        return embedding + extra.cpu().numpy()
