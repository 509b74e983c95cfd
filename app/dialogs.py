"""The export and preferences dialogs (they only collect choices; the controller acts on them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget)

from mattestudio.interaction.backends import DEVICES, choices

from .exporting import ExportOptions

MAX_AUTO_RUN_MS = 10_000
MAX_AUTOSAVE_S = 3600


class ExportDialog(QDialog):
    def __init__(self, folder: str, stem: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.folder = QLineEdit(folder)
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        self.stem = QLineEdit(stem)
        self.alpha8 = QCheckBox("alpha PNG, 8-bit")
        self.alpha8.setChecked(True)
        self.alpha16 = QCheckBox("alpha PNG, 16-bit")
        self.rgba = QCheckBox("RGBA cut-out PNG")
        self.mask = QCheckBox("coarse mask PNG (0 / 255)")
        self.over = QCheckBox("cut-out over a colour")
        self.over_colour = QColor(255, 255, 255)
        self.colour_button = QPushButton()
        self.colour_button.clicked.connect(self._choose_colour)
        self._show_colour()
        over_row = QHBoxLayout()
        over_row.addWidget(self.over)
        over_row.addWidget(self.colour_button)
        self.all_instances = QCheckBox("all instances at once (else the selected one)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Folder", row)
        form.addRow("File names start with", self.stem)
        for w in (self.alpha8, self.alpha16, self.rgba, self.mask):
            form.addRow(w)
        form.addRow(over_row)
        form.addRow(self.all_instances)
        form.addRow(buttons)

    def _browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder.text())
        if d:
            self.folder.setText(d)

    def _choose_colour(self) -> None:
        colour = QColorDialog.getColor(self.over_colour, self, "Cut-out over")
        if colour.isValid():
            self.set_over_colour(colour)

    def set_over_colour(self, colour: QColor) -> None:
        self.over_colour = QColor(colour)
        self.over.setChecked(True)
        self._show_colour()

    def _show_colour(self) -> None:
        self.colour_button.setText(self.over_colour.name())
        self.colour_button.setStyleSheet(f"background-color: {self.over_colour.name()}")

    def options(self) -> ExportOptions:
        c = self.over_colour
        return ExportOptions(Path(self.folder.text()), self.stem.text().strip() or "matte", self.alpha8.isChecked(),
                             self.alpha16.isChecked(), self.rgba.isChecked(), self.all_instances.isChecked(),
                             self.mask.isChecked(), self.over.isChecked(), (c.red(), c.green(), c.blue()))


@dataclass(frozen=True)
class Preferences:
    segmenter: str
    refiner: str
    device: str
    auto_run_ms: int
    autosave_seconds: int


class PreferencesDialog(QDialog):
    def __init__(self, current: Preferences, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.segmenter = self._backend_box("segmenter", current.segmenter)
        self.refiner = self._backend_box("refiner", current.refiner)
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(current.device)
        self.auto_run = QSpinBox()
        self.auto_run.setRange(0, MAX_AUTO_RUN_MS)
        self.auto_run.setSingleStep(100)
        self.auto_run.setSuffix(" ms")
        self.auto_run.setSpecialValueText("off (Enter runs a round)")
        self.auto_run.setValue(current.auto_run_ms)
        self.autosave = QSpinBox()
        self.autosave.setRange(0, MAX_AUTOSAVE_S)
        self.autosave.setSuffix(" s")
        self.autosave.setSpecialValueText("off")
        self.autosave.setValue(current.autosave_seconds)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Segmenter", self.segmenter)
        form.addRow("Refiner", self.refiner)
        form.addRow("Device", self.device)
        form.addRow("Run a round after idle", self.auto_run)
        form.addRow("Autosave every", self.autosave)
        form.addRow(buttons)

    @staticmethod
    def _backend_box(role: str, current: str) -> QComboBox:
        box = QComboBox()
        box.setEditable(True)  # NAME or NAME:key=value,... (e.g. iscn:preset=sam_b,onnx=/path/encoder.onnx)
        for c in choices(role):
            box.addItem(c.name)
            box.setItemData(box.count() - 1, c.description, 3)  # 3 = Qt.ToolTipRole
        if box.findText(current) < 0:
            box.addItem(current)
        box.setCurrentText(current)
        return box

    def preferences(self) -> Preferences:
        return Preferences(self.segmenter.currentText(), self.refiner.currentText(), self.device.currentText(),
                           self.auto_run.value(), self.autosave.value())
