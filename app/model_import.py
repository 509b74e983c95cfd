""""Import model file...": the user picks a SAM / MobileSAM / CLIP checkpoint; the worker copies it into the user cache
under its sha256 and recognises it; a dialog shows whether it is verified and offers the presets it fits. The
remembered files are applied at start (the app's ``--weights``)."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QLabel, QVBoxLayout, QWidget)

MODEL_FILTER = "Model checkpoints (*.pth *.pt *.bin *.safetensors);;All files (*)"
STATUS_MS = 6000


class ImportedModelDialog(QDialog):
    """What was imported, verified or not, and - for a SAM-family file - a preset to use as the segmenter."""

    def __init__(self, imported, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Model file imported")
        layout = QVBoxLayout(self)
        self.summary = QLabel(imported.summary)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.presets = QComboBox()
        self.presets.addItems(list(imported.presets))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        if imported.presets:
            layout.addWidget(QLabel("It fits these segmenter presets:"))
            layout.addWidget(self.presets)
            self.use = buttons.addButton("Use as Segmenter", QDialogButtonBox.ButtonRole.AcceptRole)
        elif imported.text_for:
            layout.addWidget(QLabel("Text rounds of " + ", ".join(imported.text_for) + " use it from now on."))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        return self.presets.currentText()


class ModelImportActions:
    """Needs ``self.controller``, ``self.settings``, ``self.statusBar``, ``self.interactive``."""

    imported_dialog: ImportedModelDialog | None = None

    def apply_weight_files(self) -> None:
        """Give the back-ends the files remembered from earlier imports (a vanished file is forgotten)."""
        for name in self.controller.use_weight_files(self.settings.weight_files):
            self.settings.set_weight_file(name, None)
            self.statusBar().showMessage(f"the imported file for {name} is gone; it is forgotten", STATUS_MS)

    def import_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import model file", self.settings.last_folder("models"),
                                              MODEL_FILTER)
        if path:
            self.import_model(path)

    def import_model(self, path: str):
        from pathlib import Path

        self.settings.set_last_folder("models", Path(path).parent)
        self.statusBar().showMessage(f"importing {Path(path).name}...", STATUS_MS)
        return self.controller.import_model(path)

    def model_imported(self, imported) -> None:
        self.settings.set_weight_file(imported.weights_name, imported.path)
        self.apply_weight_files()
        self.statusBar().showMessage(imported.summary, STATUS_MS)
        self.imported_dialog = ImportedModelDialog(imported, self)
        self.imported_dialog.accepted.connect(lambda: self.use_segmenter(self.imported_dialog.chosen()))
        if self.interactive:
            self.imported_dialog.open()

    def use_segmenter(self, spec: str) -> None:
        if not spec:
            return
        self.settings.segmenter = spec
        self.controller.set_backends(spec, self.settings.refiner, self.settings.device)
        self.statusBar().showMessage(f"segmenter: {spec}", STATUS_MS)
