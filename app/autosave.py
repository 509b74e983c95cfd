"""Autosave of the open project to the user data folder, and finding what a crashed run left behind.

Each running app writes ``autosave-<pid>.mattes``; a clean exit deletes it. A file whose process is gone was left by
a crash and is offered for restore at the next start (docs/decisions/0202-autosave.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from mattestudio.interaction.errors import USER_ERRORS

PREFIX, SUFFIX = "autosave-", ".mattes"
MS_PER_S = 1000


def default_folder() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("mattestudio")) / "autosave"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphans(folder: Path) -> list[Path]:
    """Autosaves whose process is no longer running, newest first."""
    out = []
    for p in folder.glob(f"{PREFIX}*{SUFFIX}") if folder.is_dir() else ():
        try:
            pid = int(p.name[len(PREFIX):-len(SUFFIX)])
        except ValueError:
            continue
        if not _alive(pid):
            out.append(p)
    return sorted(out, key=lambda p: p.stat().st_mtime, reverse=True)


class Autosaver(QObject):
    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, controller, folder: Path | None = None, seconds: int = 60, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.folder = Path(folder) if folder is not None else default_folder()
        self.path = self.folder / f"{PREFIX}{os.getpid()}{SUFFIX}"
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.save_now)
        self.set_interval(seconds)

    def set_interval(self, seconds: int) -> None:
        self.timer.stop()
        if seconds > 0:
            self.timer.start(int(seconds * MS_PER_S))

    def save_now(self) -> Path | None:
        """Save the open project if it changed since the last save (on the GUI thread: a zip of PNGs, quick)."""
        c = self.controller
        if c.session is None or not c.dirty:
            return None
        from mattestudio.interaction.project import save_project

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_project(c.session, self.path, c.image_path)
        except (OSError, *USER_ERRORS) as exc:
            self.failed.emit(f"autosave failed: {exc}")
            return None
        self.saved.emit(str(self.path))
        return self.path

    def discard(self) -> None:
        """A clean exit: nothing to restore."""
        self.timer.stop()
        self.path.unlink(missing_ok=True)

    def orphans(self) -> list[Path]:
        return orphans(self.folder)
