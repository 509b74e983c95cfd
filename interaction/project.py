"""Project files ``*.mattes``: a zip with ``manifest.json`` (format version, image hash, prompts per round per
instance) plus the image and the result maps as PNG. Saves are atomic; loads never extract to disk and check every
member's size (zip bombs), name (only members the manifest may name) and the image hash."""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np

from .atomic import atomic_path
from .edge import EdgeError, EdgeSettings
from .errors import USER_ERRORS, ProjectError
from .prompt_file import parse_prompt, printable
from .prompts import PromptError
from .results import PackedResult
from .session import Round, Session, image_key

FORMAT = "mattestudio-project"
#: 2 added soft strokes among the prompts and each instance's edge controls ("edge"); version 1 files still load
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_MEMBER = 400 * 1024 * 1024  # uncompressed bytes of one member
MAX_TOTAL = 2 * 1024 ** 3
MAX_RATIO = 200  # uncompressed / compressed, beyond which a member is treated as a zip bomb
MAX_MANIFEST = 50 * 1024 * 1024
RESULT_KEYS = ("prob", "alpha", "conflict", "trimap")
MAX_SECONDS = 1e9  # a recorded timing beyond this (or NaN) marks a damaged manifest


def _round_entry(rnd: Round, prefix: str, files: dict[str, bytes]) -> dict:
    entry: dict = {"prompts": [p.to_dict() for p in rnd.prompts], "result": None}
    if rnd.packed is None and rnd.live is not None:
        packed = rnd.live.pack()
    else:
        packed = rnd.packed
    if packed is not None:
        names = {}
        for key in RESULT_KEYS:
            name = f"{prefix}/{key}.png"
            files[name] = getattr(packed, f"{key}_png")
            names[key] = name
        entry["result"] = {"files": names, "segment_seconds": packed.segment_seconds,
                           "refine_seconds": packed.refine_seconds, "warnings": packed.warnings}
    return entry


def save_project(session: Session, path: str | os.PathLike, image_path: str | os.PathLike | None = None) -> Path:
    """Write ``session`` to ``path`` atomically (the previous file stays intact if anything fails)."""
    path = Path(path)
    files: dict[str, bytes] = {}
    ok, buf = cv2.imencode(".png", cv2.cvtColor(session.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ProjectError("could not encode the image")
    files["image.png"] = buf.tobytes()
    instances = []
    for i, inst in enumerate(session.instances.values()):
        instances.append({
            "name": inst.name,
            "colour": list(inst.colour),
            "pending": [p.to_dict() for p in inst.pending],
            "rounds": [_round_entry(r, f"results/{i}/r{k}", files) for k, r in enumerate(inst.rounds)],
            "redo_rounds": [_round_entry(r, f"results/{i}/u{k}", files) for k, r in enumerate(inst.redo_rounds)],
            "edge": inst.edge.to_dict(),
        })
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "image": {"file": "image.png", "sha256": session.key, "width": session.width, "height": session.height,
                  "source_path": str(image_path) if image_path else None},
        "segmenter": getattr(session.segmenter, "name", "classic"),
        "refiner": getattr(session.refiner, "name", "classic"),
        "instances": instances,
    }
    try:
        with atomic_path(path, ".mattes") as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
                zf.writestr("manifest.json", json.dumps(manifest, indent=1, allow_nan=False))
                for name, data in files.items():
                    zf.writestr(name, data)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot save the project ({exc.strerror or exc})") from None
    return path


def _inside_archive(name: str) -> bool:
    """A plain relative member name: no absolute path, drive, backslash or '..' that would point outside."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and "\\" not in name and ":" not in name and \
        all(part not in ("", ".", "..") for part in parts) and name.isprintable()


def _read(zf: zipfile.ZipFile, name: object, limit: int = MAX_MEMBER) -> bytes:
    if not isinstance(name, str):
        raise ProjectError("a file name in the manifest is not a string")
    if not _inside_archive(name):
        raise ProjectError(f"the project lacks '{printable(name)}' (a name pointing outside the project is never "
                           "read)")
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ProjectError(f"the project lacks '{printable(name)}'") from None
    if info.file_size > limit or (info.compress_size and info.file_size / info.compress_size > MAX_RATIO
                                  and info.file_size > 1 << 20):
        raise ProjectError(f"'{printable(name)}' in the project is implausibly large (a damaged file or a zip bomb)")
    with zf.open(info) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ProjectError(f"'{printable(name)}' in the project is larger than its header says")
    return data


def _decode_png(data: bytes, what: str) -> np.ndarray:
    try:
        a = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    except cv2.error:
        a = None
    if a is None:
        raise ProjectError(f"{what} in the project is not a readable PNG")
    return a


def _round(zf: zipfile.ZipFile, entry: object, shape: tuple[int, int], where: str) -> Round:
    if not isinstance(entry, dict) or not isinstance(entry.get("prompts"), list):
        raise ProjectError(f"{where}: malformed round")
    try:
        prompts = tuple(parse_prompt(p) for p in entry["prompts"])
        for p in prompts:
            p.validate(shape[1], shape[0])
    except PromptError as exc:
        raise ProjectError(f"{where}: {exc}") from None
    res = entry.get("result")
    if res is None:
        return Round(prompts)
    if not isinstance(res, dict) or not isinstance(res.get("files"), dict):
        raise ProjectError(f"{where}: malformed result")
    blobs = {}
    for key in RESULT_KEYS:
        data = _read(zf, res["files"].get(key))
        a = _decode_png(data, f"{where} {key}")
        if a.shape[:2] != shape or a.ndim != 2:
            raise ProjectError(f"{where}: the {key} map does not match the image size")
        blobs[key] = data
    times = [res.get("segment_seconds", 0.0), res.get("refine_seconds", 0.0)]
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) and abs(t) < MAX_SECONDS for t in times):
        raise ProjectError(f"{where}: malformed timings")
    warnings = res.get("warnings", [])
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise ProjectError(f"{where}: malformed warnings")
    packed = PackedResult(blobs["prob"], blobs["alpha"], blobs["conflict"], blobs["trimap"],
                          float(times[0]), float(times[1]), list(warnings))
    try:
        packed.unpack()
    except ValueError as exc:
        raise ProjectError(f"{where}: {exc}") from None
    return Round(prompts, packed=packed)


def load_project(path: str | os.PathLike, segmenter: str | object | None = None, refiner: str | object | None = None,
                 device: str = "cpu") -> Session:
    """Read a project back into a :class:`Session` identical to the one saved (prompts, results, undo/redo)."""
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"{path}: no such project file")
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                manifest = json.loads(_read(zf, "manifest.json", MAX_MANIFEST).decode("utf-8"))
            except (ValueError, RecursionError):  # not UTF-8, not JSON, or a number of more than 4300 digits
                raise ProjectError(f"{path}: the manifest is not valid JSON") from None
            if sum(i.file_size for i in zf.infolist()) > MAX_TOTAL:
                raise ProjectError(f"{path}: the project unpacks to more than {MAX_TOTAL >> 30} GB")
            return _session_from(zf, manifest, segmenter, refiner, device, path)
    except zipfile.BadZipFile:
        raise ProjectError(f"{path}: not a MatteStudio project (not a zip file, or damaged)") from None
    except ProjectError as exc:
        text = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"
        raise ProjectError(printable(text, 1000)) from None
    except USER_ERRORS:
        raise
    except (OSError, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError) as exc:
        # what zipfile raises on damaged headers or data (e.g. an unsupported version or compression method)
        raise ProjectError(f"{path}: the project file is damaged ({printable(exc)})") from None


def _session_from(zf, manifest, segmenter, refiner, device, path) -> Session:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProjectError("not a MatteStudio project manifest")
    version = manifest.get("format_version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise ProjectError(f"project format version {printable(repr(version))} is not supported (this MatteStudio "
                           f"reads versions {', '.join(map(str, READABLE_VERSIONS))})")
    img_info = manifest.get("image")
    if not isinstance(img_info, dict):
        raise ProjectError("the manifest has no image entry")
    bgr = _decode_png(_read(zf, img_info.get("file")), "the image")
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise ProjectError("the image in the project is not an 8-bit RGB PNG")
    image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if image_key(image) != img_info.get("sha256"):
        raise ProjectError("the image does not match the hash recorded in the project (damaged file)")
    seg = segmenter or manifest.get("segmenter", "classic")
    ref = refiner or manifest.get("refiner", "classic")
    for role, value in (("segmenter", seg), ("refiner", ref)):
        if isinstance(value, str) and not value.isidentifier() and not value.replace("-", "_").isidentifier():
            raise ProjectError(f"malformed {role} name in the manifest")
        if not isinstance(value, str) and (segmenter is None if role == "segmenter" else refiner is None):
            raise ProjectError(f"malformed {role} name in the manifest")
    session = Session(image, seg, ref, device, key=img_info["sha256"])
    insts = manifest.get("instances")
    if not isinstance(insts, list):
        raise ProjectError("the manifest has no instance list")
    shape = image.shape[:2]
    for i, e in enumerate(insts):
        if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not e["name"].strip():
            raise ProjectError(f"instance {i + 1}: malformed entry")
        inst = session.add_instance(e["name"])
        colour = e.get("colour")
        if isinstance(colour, list) and len(colour) == 3 and all(isinstance(c, int) and 0 <= c <= 255
                                                                 for c in colour):
            inst.colour = tuple(colour)
        for key in ("rounds", "redo_rounds", "pending"):
            if not isinstance(e.get(key, []), list):
                raise ProjectError(f"instance '{inst.name}': '{key}' must be a list")
        inst.rounds = [_round(zf, r, shape, f"instance '{inst.name}' round {k + 1}")
                       for k, r in enumerate(e.get("rounds", []))]
        inst.redo_rounds = [_round(zf, r, shape, f"instance '{inst.name}' undone round {k + 1}")
                            for k, r in enumerate(e.get("redo_rounds", []))]
        try:
            inst.pending = [session.validate(parse_prompt(p)) for p in e.get("pending", [])]
            inst.pending_seq = [0] * len(inst.pending)
        except PromptError as exc:
            raise ProjectError(f"instance '{inst.name}' open round: {exc}") from None
        try:
            inst.edge = EdgeSettings.from_dict(e.get("edge", {}))
        except EdgeError as exc:
            raise ProjectError(f"instance '{inst.name}': {exc}") from None
    return session


__all__ = ["save_project", "load_project", "FORMAT_VERSION"]
