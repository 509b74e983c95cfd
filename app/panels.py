"""Dock panels: instances (with their rounds) and overlays (toggle + opacity each). Widgets only emit signals."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QGridLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSlider, QVBoxLayout, QWidget)

from .overlays import OVERLAY_TITLES, Overlay

SWATCH = 14
SLIDER_MAX = 100
#: (visible, opacity) of each overlay before the user changes them
OVERLAY_DEFAULTS: dict[Overlay, tuple[bool, float]] = {
    Overlay.COMPOSITE: (False, 1.0),
    Overlay.ALPHA: (False, 1.0),
    Overlay.MASK: (True, 0.8),
    Overlay.TRIMAP: (False, 0.5),
    Overlay.CONFLICT: (True, 0.7),
    Overlay.MARKERS: (True, 1.0),
    Overlay.DETECTIONS: (True, 1.0),
}


@dataclass(frozen=True)
class InstanceRow:
    name: str
    colour: tuple[int, int, int]
    rounds: int
    busy: bool = False


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}{'es' if kind == 'box' and n > 1 else 's' if n > 1 else ''}"
                     for kind, n in sorted(counts.items())) or "no prompts"


def swatch(colour: tuple[int, int, int]) -> QIcon:
    pm = QPixmap(SWATCH, SWATCH)
    pm.fill(QColor(*colour))
    return QIcon(pm)


class InstancesPanel(QWidget):
    selected = Signal(str)
    addRequested = Signal()
    renameRequested = Signal(str, str)  # old, new
    deleteRequested = Signal(str)
    undoRoundRequested = Signal()
    redoRoundRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("instanceList")
        self.rounds = QListWidget()
        self.rounds.setObjectName("roundList")
        self.rounds.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.add_button = QPushButton("Add")
        self.rename_button = QPushButton("Rename")
        self.delete_button = QPushButton("Delete")
        self.undo_button = QPushButton("Undo round")
        self.redo_button = QPushButton("Redo round")
        top = QHBoxLayout()
        for b in (self.add_button, self.rename_button, self.delete_button):
            top.addWidget(b)
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.redo_button)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Instances"))
        lay.addWidget(self.list, 2)
        lay.addLayout(top)
        lay.addWidget(QLabel("Rounds of the selected instance"))
        lay.addWidget(self.rounds, 3)
        lay.addLayout(bottom)
        self._names: list[str] = []
        self._filling = False
        self.list.currentRowChanged.connect(self._row_changed)
        self.list.itemChanged.connect(self._item_edited)
        self.add_button.clicked.connect(self.addRequested)
        self.rename_button.clicked.connect(self._start_rename)
        self.delete_button.clicked.connect(lambda: self.current and self.deleteRequested.emit(self.current))
        self.undo_button.clicked.connect(self.undoRoundRequested)
        self.redo_button.clicked.connect(self.redoRoundRequested)

    @property
    def current(self) -> str | None:
        row = self.list.currentRow()
        return self._names[row] if 0 <= row < len(self._names) else None

    def show_state(self, rows: list[InstanceRow], current: str | None, round_lines: list[str],
                   can_undo: bool, can_redo: bool) -> None:
        self._filling = True
        try:
            self.list.clear()
            self._names = [r.name for r in rows]
            for r in rows:
                item = QListWidgetItem(swatch(r.colour), f"{r.name}  ({r.rounds} round{'s' * (r.rounds != 1)})"
                                       + ("  running..." if r.busy else ""))
                item.setData(Qt.ItemDataRole.UserRole, r.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
            if current in self._names:
                self.list.setCurrentRow(self._names.index(current))
            self.rounds.clear()
            self.rounds.addItems(round_lines)
            self.undo_button.setEnabled(can_undo)
            self.redo_button.setEnabled(can_redo)
            self.delete_button.setEnabled(len(rows) > 1)
        finally:
            self._filling = False

    def _row_changed(self, row: int) -> None:
        if not self._filling and 0 <= row < len(self._names):
            self.selected.emit(self._names[row])

    def _start_rename(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._filling = True
            item.setText(item.data(Qt.ItemDataRole.UserRole))
            self._filling = False
            self.list.editItem(item)

    def _item_edited(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        old = item.data(Qt.ItemDataRole.UserRole)
        new = item.text().strip()
        if new and new != old:
            self.renameRequested.emit(old, new)


class OverlayPanel(QWidget):
    visibilityChanged = Signal(object, bool)  # Overlay, visible
    opacityChanged = Signal(object, float)  # Overlay, 0..1
    backgroundChanged = Signal(str)  # "" = checkerboard, else #rrggbb

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.boxes: dict[Overlay, QCheckBox] = {}
        self.sliders: dict[Overlay, QSlider] = {}
        for row, kind in enumerate(Overlay):
            box = QCheckBox(OVERLAY_TITLES[kind])
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, SLIDER_MAX)
            slider.setToolTip("opacity")
            box.toggled.connect(lambda on, k=kind: self.visibilityChanged.emit(k, on))
            slider.valueChanged.connect(lambda v, k=kind: self.opacityChanged.emit(k, v / SLIDER_MAX))
            grid.addWidget(box, row, 0)
            grid.addWidget(slider, row, 1)
            self.boxes[kind], self.sliders[kind] = box, slider
        self.background = QComboBox()
        self.background.addItems(["over checkerboard", "over a colour..."])
        self.background.activated.connect(self._background_chosen)
        grid.addWidget(QLabel("Composite"), len(Overlay), 0)
        grid.addWidget(self.background, len(Overlay), 1)
        grid.setRowStretch(len(Overlay) + 1, 1)

    def set_values(self, values: dict[Overlay, tuple[bool, float]], background: str) -> None:
        for kind, (visible, opacity) in values.items():
            self.boxes[kind].setChecked(visible)
            self.sliders[kind].setValue(round(opacity * SLIDER_MAX))
            self.visibilityChanged.emit(kind, visible)
            self.opacityChanged.emit(kind, opacity)
        self.background.setCurrentIndex(1 if background else 0)

    def _background_chosen(self, index: int) -> None:
        if index == 0:
            self.backgroundChanged.emit("")
            return
        colour = QColorDialog.getColor(QColor(255, 255, 255), self, "Composite background")
        if colour.isValid():
            self.backgroundChanged.emit(colour.name())
        else:
            self.background.setCurrentIndex(0)
