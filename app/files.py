"""File handling of the main window: open (dialog, recent, drag-and-drop), save project, export, preferences,
restore after a crash. A mixin so that main_window.py stays about composing widgets."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from .dialogs import ExportDialog, Preferences, PreferencesDialog

PROJECT_SUFFIX = ".mattes"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)"
PROJECT_FILTER = f"MatteStudio projects (*{PROJECT_SUFFIX})"


class FileActions:
    """Needs ``self.controller``, ``self.settings``, ``self.autosaver``, ``self.report``, ``self.statusBar``."""

    interactive = True  # False: never open a blocking dialog (tests, --screenshot)

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image or project", self.settings.last_folder("open"),
                                              f"{IMAGE_FILTER};;{PROJECT_FILTER};;All files (*)")
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path):
        p = Path(path)
        if self.controller.dirty and not self.confirm_discard():
            return None
        self.settings.set_last_folder("open", p.parent)
        self.settings.add_recent(p)
        self._fill_recent()
        if p.suffix.lower() == PROJECT_SUFFIX:
            return self.report(self.controller.open_project, p)
        return self.controller.open_image(p)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for r in self.settings.recent_files:
            self.recent_menu.addAction(r, lambda r=r: self.open_path(r))
        self.recent_menu.setEnabled(bool(self.settings.recent_files))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def confirm_discard(self) -> bool:
        if not self.interactive:
            return True
        answer = QMessageBox.question(self, "Unsaved changes", "Discard the changes of the open project?",
                                      QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ saving and export
    def save(self) -> Path | None:
        c = self.controller
        if c.project_path is None:
            return self.save_as()
        return self._save_to(c.project_path)

    def save_as(self) -> Path | None:
        c = self.controller
        start = Path(self.settings.last_folder("project")) / (self._stem() + PROJECT_SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self, "Save project", str(start), PROJECT_FILTER)
        if not path:
            return None
        p = Path(path)
        if p.suffix.lower() != PROJECT_SUFFIX:
            p = p.with_suffix(PROJECT_SUFFIX)
        self.settings.set_last_folder("project", p.parent)
        return self._save_to(p) if c.session is not None else None

    def _save_to(self, path: Path) -> Path | None:
        out = self.report(self.controller.save_project, path)
        if out is not None:
            self.statusBar().showMessage(f"saved {out}", 6000)
        return out

    def _stem(self) -> str:
        c = self.controller
        p = c.image_path or c.project_path
        return p.stem if p is not None else "matte"

    def export_dialog(self) -> list[Path] | None:
        if self.controller.session is None:
            return None
        dialog = ExportDialog(self.settings.last_folder("export"), self._stem(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.export_to(dialog.options())

    def export_to(self, options) -> list[Path] | None:
        written = self.report(self.controller.export, options)
        if written:
            self.settings.set_last_folder("export", options.folder)
            self.statusBar().showMessage(f"exported {len(written)} file(s) to {options.folder}", 6000)
        return written

    # ------------------------------------------------------------------ preferences
    def preferences_dialog(self) -> None:
        s = self.settings
        dialog = PreferencesDialog(Preferences(s.segmenter, s.refiner, s.device, s.auto_run_ms, s.autosave_seconds),
                                   self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_preferences(dialog.preferences())

    def apply_preferences(self, prefs: Preferences) -> None:
        s = self.settings
        changed = (prefs.segmenter, prefs.refiner, prefs.device) != (s.segmenter, s.refiner, s.device)
        s.segmenter, s.refiner, s.device = prefs.segmenter, prefs.refiner, prefs.device
        s.auto_run_ms, s.autosave_seconds = prefs.auto_run_ms, prefs.autosave_seconds
        self.controller.set_auto_run(prefs.auto_run_ms)
        self.autosaver.set_interval(prefs.autosave_seconds)
        if changed:
            self.controller.set_backends(prefs.segmenter, prefs.refiner, prefs.device)
            self.controller.warm_up()

    # ------------------------------------------------------------------ crash recovery
    def offer_restore(self) -> bool:
        """If an earlier run crashed with unsaved work, offer to open its autosave."""
        found = self.autosaver.orphans()
        if not found or not self.interactive:
            return False
        answer = QMessageBox.question(
            self, "Restore", f"MatteStudio did not exit cleanly last time. Restore the autosaved project "
                             f"({found[0].name})?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            for p in found:
                p.unlink(missing_ok=True)
            return False
        # the restored file becomes this run's autosave (deleted on a clean exit, offered again after a crash)
        try:
            found[0].replace(self.autosaver.path)
        except OSError as exc:
            self.show_error(f"cannot restore {found[0]}: {exc}")
            return False
        for p in found[1:]:
            p.unlink(missing_ok=True)
        return self.report(self.controller.open_project, self.autosaver.path) is not None
