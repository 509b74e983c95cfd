"""All remembered settings behind one typed class over QSettings (tests pass an INI file of their own)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "MatteStudio"
APPLICATION = "MatteStudio"
MAX_RECENT = 10
DEVICES = ("cpu", "cuda", "auto")


class Settings:
    """Typed access to the settings; every value has a default, and bad stored values fall back to it."""

    DEFAULTS = {
        "backend/segmenter": "classic",
        "backend/refiner": "classic",
        "backend/device": "cpu",
        "rounds/auto_run_ms": 0,  # 0 = a round runs only on Enter
        "autosave/seconds": 60,  # 0 = no autosave
        "tools/brush_radius": 6.0,
        "tools/soft_radius": 12.0,
        "view/composite_colour": "",  # "" = checkerboard, else #rrggbb
    }

    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings if qsettings is not None else QSettings(ORGANISATION, APPLICATION)

    @classmethod
    def at(cls, path: str | Path) -> "Settings":
        """Settings kept in an INI file at ``path`` (isolated from the user's own)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    # ------------------------------------------------------------------ generic typed access
    def _get(self, key: str, kind: type):
        default = self.DEFAULTS[key]
        value = self.q.value(key, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    def _set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    # ------------------------------------------------------------------ back-ends
    @property
    def segmenter(self) -> str:
        return self._get("backend/segmenter", str)

    @segmenter.setter
    def segmenter(self, value: str) -> None:
        self._set("backend/segmenter", value)

    @property
    def refiner(self) -> str:
        return self._get("backend/refiner", str)

    @refiner.setter
    def refiner(self, value: str) -> None:
        self._set("backend/refiner", value)

    @property
    def device(self) -> str:
        d = self._get("backend/device", str)
        return d if d in DEVICES else "cpu"

    @device.setter
    def device(self, value: str) -> None:
        self._set("backend/device", value)

    # ------------------------------------------------------------------ weights files the user imported
    @property
    def weight_files(self) -> dict[str, str]:
        """Weights name -> file (the copies "Import model file..." made), as ``--weights NAME=PATH`` would name."""
        self.q.beginGroup("weights")
        try:
            return {k: str(self.q.value(k)) for k in self.q.childKeys() if self.q.value(k)}
        finally:
            self.q.endGroup()

    def set_weight_file(self, name: str, path: str | Path | None) -> None:
        """Remember ``path`` for weights ``name`` (None forgets it)."""
        if path is None:
            self.q.remove(f"weights/{name}")
        else:
            self._set(f"weights/{name}", str(path))

    # ------------------------------------------------------------------ behaviour
    @property
    def auto_run_ms(self) -> int:
        return max(0, self._get("rounds/auto_run_ms", int))

    @auto_run_ms.setter
    def auto_run_ms(self, value: int) -> None:
        self._set("rounds/auto_run_ms", int(value))

    @property
    def autosave_seconds(self) -> int:
        return max(0, self._get("autosave/seconds", int))

    @autosave_seconds.setter
    def autosave_seconds(self, value: int) -> None:
        self._set("autosave/seconds", int(value))

    @property
    def brush_radius(self) -> float:
        return self._get("tools/brush_radius", float)

    @brush_radius.setter
    def brush_radius(self, value: float) -> None:
        self._set("tools/brush_radius", float(value))

    @property
    def soft_radius(self) -> float:
        return self._get("tools/soft_radius", float)

    @soft_radius.setter
    def soft_radius(self, value: float) -> None:
        self._set("tools/soft_radius", float(value))

    @property
    def composite_colour(self) -> str:
        return self._get("view/composite_colour", str)

    @composite_colour.setter
    def composite_colour(self, value: str) -> None:
        self._set("view/composite_colour", value)

    # ------------------------------------------------------------------ overlays
    def overlay_visible(self, name: str, default: bool) -> bool:
        v = self.q.value(f"overlays/{name}/visible", default)
        return v in (True, "true", "1", 1) if not isinstance(v, bool) else v

    def set_overlay_visible(self, name: str, visible: bool) -> None:
        self._set(f"overlays/{name}/visible", bool(visible))

    def overlay_opacity(self, name: str, default: float) -> float:
        try:
            return min(1.0, max(0.0, float(self.q.value(f"overlays/{name}/opacity", default))))
        except (TypeError, ValueError):
            return default

    def set_overlay_opacity(self, name: str, opacity: float) -> None:
        self._set(f"overlays/{name}/opacity", float(opacity))

    # ------------------------------------------------------------------ files and folders
    @property
    def recent_files(self) -> list[str]:
        v = self.q.value("files/recent", [])
        if isinstance(v, str):
            v = [v] if v else []
        return [str(x) for x in (v or [])][:MAX_RECENT]

    def add_recent(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        recent = [p] + [r for r in self.recent_files if r != p]
        self._set("files/recent", recent[:MAX_RECENT])

    def last_folder(self, kind: str) -> str:
        v = self.q.value(f"files/last_{kind}_folder", "")
        return str(v) if v and Path(str(v)).is_dir() else str(Path.home())

    def set_last_folder(self, kind: str, folder: str | Path) -> None:
        self._set(f"files/last_{kind}_folder", str(folder))

    # ------------------------------------------------------------------ window
    def geometry(self) -> QByteArray | None:
        v = self.q.value("window/geometry")
        return v if isinstance(v, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        v = self.q.value("window/state")
        return v if isinstance(v, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._set("window/geometry", geometry)
        self._set("window/state", state)

    def sync(self) -> None:
        self.q.sync()
