"""The edge controls dock (Select and Mask style): Smooth, Feather, Contrast, Shift Edge and Decontaminate Colours of
the selected instance. The panel only emits the settings; the controller stores them on the instance."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSlider, QWidget

from mattestudio.interaction.edge import (MAX_CONTRAST, MAX_DECONTAMINATE, MAX_FEATHER, MAX_SHIFT, MAX_SMOOTH,
                                          EdgeSettings)


@dataclass(frozen=True)
class Control:
    key: str  # the EdgeSettings field
    title: str
    low: float
    high: float
    step: float  # one slider notch
    unit: str
    tip: str


#: feather beyond this on the slider is reachable through the prompts JSON and the command line
SLIDER_FEATHER = min(MAX_FEATHER, 50.0)

CONTROLS = (
    Control("smooth", "Smooth", 0, MAX_SMOOTH, 1, "", "a smoother outline: jags and small dents removed"),
    Control("feather", "Feather", 0, SLIDER_FEATHER, 0.5, " px", "blur the edge (Gaussian sigma in image pixels)"),
    Control("contrast", "Contrast", 0, MAX_CONTRAST, 1, " %", "a harder edge; 100 % makes it binary"),
    Control("shift", "Shift Edge", -MAX_SHIFT, MAX_SHIFT, 1, " %",
            "move the edge in (-) or out (+); 100 % is 1 % of the image diagonal"),
    Control("decontaminate", "Decontaminate", 0, MAX_DECONTAMINATE, 1, " %",
            "edge colours of the cut-out taken from the opaque subject nearby (composite and exports)"),
)


class EdgePanel(QWidget):
    changed = Signal(object)  # EdgeSettings, while a slider moves
    settled = Signal()  # a slider was released (or reset): time for the full-resolution view

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        for row, c in enumerate(CONTROLS):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"edge_{c.key}")
            slider.setRange(round(c.low / c.step), round(c.high / c.step))
            slider.setToolTip(c.tip)
            slider.valueChanged.connect(self._moved)
            slider.sliderReleased.connect(self.settled)
            label = QLabel()
            label.setMinimumWidth(52)
            grid.addWidget(QLabel(c.title), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(label, row, 2)
            self.sliders[c.key], self.values[c.key] = slider, label
        self.reset_button = QPushButton("Reset edge")
        self.reset_button.clicked.connect(self.reset)
        grid.addWidget(self.reset_button, len(CONTROLS), 0, 1, 3)
        grid.setRowStretch(len(CONTROLS) + 1, 1)
        self._filling = False
        self.show_settings(EdgeSettings())

    def settings(self) -> EdgeSettings:
        return EdgeSettings(**{c.key: self.sliders[c.key].value() * c.step for c in CONTROLS})

    def show_settings(self, settings: EdgeSettings) -> None:
        """Show ``settings`` (another instance was selected) without emitting :attr:`changed`."""
        self._filling = True
        try:
            for c in CONTROLS:
                v = getattr(settings, c.key)
                self.sliders[c.key].setValue(round(min(max(v, c.low), c.high) / c.step))
                self._label(c, v)
        finally:
            self._filling = False

    def reset(self) -> None:
        self.show_settings(EdgeSettings())
        self.changed.emit(EdgeSettings())
        self.settled.emit()

    def _label(self, c: Control, value: float) -> None:
        self.values[c.key].setText(f"{value:g}{c.unit}")

    def _moved(self, _value: int) -> None:
        if self._filling:
            return
        s = self.settings()
        for c in CONTROLS:
            self._label(c, getattr(s, c.key))
        self.changed.emit(s)
