"""The main window: composes canvas, panels, tool bars and status bar, and wires them to the controller."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QDockWidget, QLabel, QLineEdit, QMainWindow, QMessageBox, QProgressBar, QPushButton,
                               QToolBar)

from mattestudio.interaction.errors import USER_ERRORS
from mattestudio.interaction.instance_alphas import preview_size
from mattestudio.interaction.prompts import PromptError, Text

from . import overlays as ov
from .actions import build_actions, icon
from .autosave import Autosaver
from .canvas import Canvas
from .controller import Controller
from .edge_panel import EdgePanel
from .files import FileActions
from .model_import import ModelImportActions
from .overlay_render import OverlayRenderer, OverlayRequest
from .overlay_render import render as render_overlays
from .panels import OVERLAY_DEFAULTS, InstanceRow, InstancesPanel, OverlayPanel, describe_counts
from .settings import Settings
from .tools import ToolKind

TITLE = "MatteStudio"
STATUS_MS = 6000
PROGRESS_MAX = 1000
#: while an edge control moves, the overlays are drawn with this long side (then in full once it rests)
PREVIEW_SIDE = 1280
#: ... and the full-resolution drawing follows this long after the last move
FULL_VIEW_MS = 300


class MainWindow(FileActions, ModelImportActions, QMainWindow):
    overlaysUpdated = Signal()  # the canvas shows overlays rendered from the session's current state

    def __init__(self, settings: Settings, controller: Controller | None = None, autosave_folder: Path | None = None,
                 interactive: bool = True):
        super().__init__()
        self.interactive = interactive
        self.settings = settings
        self.controller = controller or Controller(settings.segmenter, settings.refiner, settings.device,
                                                   settings.auto_run_ms)
        self.autosaver = Autosaver(self.controller, autosave_folder, settings.autosave_seconds, self)
        self.setWindowTitle(TITLE)
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.canvas = Canvas(self)
        self.renderer = OverlayRenderer(self)
        self.overlay_generation = 0
        self.setCentralWidget(self.canvas)
        self.instances = InstancesPanel()
        self.overlay_panel = OverlayPanel()
        self.edge_panel = EdgePanel()
        self._dock("Instances", self.instances, "instancesDock")
        self._dock("Overlays", self.overlay_panel, "overlaysDock")
        self._dock("Edge", self.edge_panel, "edgeDock")
        self._preview_image: tuple[tuple, np.ndarray] | None = None  # (session key, size), the reduced photo
        self.full_view_timer = QTimer(self)
        self.full_view_timer.setSingleShot(True)
        self.full_view_timer.timeout.connect(self.refresh_overlays)
        self.overlay_visible = {k: v for k, (v, _) in OVERLAY_DEFAULTS.items()}
        self.background = settings.composite_colour
        self.last_error: str | None = None
        self.error_box: QMessageBox | None = None
        self.actions = build_actions(self, self._handlers())
        self._build_bars()
        self._connect()
        self.canvas.set_brush(settings.soft_radius, ToolKind.SOFT)
        self.canvas.set_brush(settings.brush_radius)
        self.actions["tool_click"].setChecked(True)
        self.set_tool(ToolKind.CLICK)
        self.overlay_panel.set_values(
            {k: (settings.overlay_visible(k.value, v), settings.overlay_opacity(k.value, o))
             for k, (v, o) in OVERLAY_DEFAULTS.items()}, self.background)
        self.apply_weight_files()
        self.resize(1200, 800)
        if settings.geometry() is not None:
            self.restoreGeometry(settings.geometry())
        if settings.window_state() is not None:
            self.restoreState(settings.window_state())
        self._update_actions()

    # ------------------------------------------------------------------ construction
    def _dock(self, title: str, widget, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _handlers(self) -> dict:
        c = self.controller
        return {
            "open": self.open_dialog, "save": self.save, "save_as": self.save_as, "export": self.export_dialog,
            "preferences": self.preferences_dialog, "import_model": self.import_model_dialog, "quit": self.close,
            "undo": c.undo, "redo": c.redo, "run": c.run_round, "auto": c.auto_round, "cancel": self.cancel,
            "tool_click": lambda: self.set_tool(ToolKind.CLICK),
            "tool_scribble": lambda: self.set_tool(ToolKind.SCRIBBLE),
            "tool_box": lambda: self.set_tool(ToolKind.BOX), "tool_pan": lambda: self.set_tool(ToolKind.PAN),
            "tool_soft": lambda: self.set_tool(ToolKind.SOFT),
            "text_prompt": lambda: self.text_edit.setFocus(),
            "brush_smaller": lambda: self.canvas.grow_brush(-1), "brush_larger": lambda: self.canvas.grow_brush(1),
            "zoom_in": self.canvas.zoom_in, "zoom_out": self.canvas.zoom_out, "fit": self.canvas.fit,
            "actual_size": self.canvas.actual_size, "add_instance": c.add_instance,
            "delete_instance": lambda: c.current and c.delete_instance(c.current),
        }

    def _build_bars(self) -> None:
        a = self.actions
        file_menu = self.menuBar().addMenu("&File")
        for k in ("open",):
            file_menu.addAction(a[k])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        for k in ("save", "save_as", "export", "import_model", "preferences", "quit"):
            file_menu.addAction(a[k])
        edit = self.menuBar().addMenu("&Edit")
        for k in ("undo", "redo", "run", "auto", "cancel", "add_instance", "delete_instance"):
            edit.addAction(a[k])
        tools = self.menuBar().addMenu("&Tools")
        for k in ("tool_click", "tool_scribble", "tool_box", "tool_soft", "tool_pan", "text_prompt", "brush_smaller",
                  "brush_larger"):
            tools.addAction(a[k])
        view = self.menuBar().addMenu("&View")
        for k in ("zoom_in", "zoom_out", "fit", "actual_size"):
            view.addAction(a[k])
        bar = QToolBar("Main")
        bar.setObjectName("mainToolBar")
        for k in ("open", "save", "export", None, "undo", "redo", None, "tool_click", "tool_scribble", "tool_box",
                  "tool_soft", "tool_pan", None, "run", "auto", "cancel", None, "zoom_in", "zoom_out", "fit", "actual_size"):
            bar.addSeparator() if k is None else bar.addAction(a[k])
        self.addToolBar(bar)
        prompt_bar = QToolBar("Text prompt")
        prompt_bar.setObjectName("textToolBar")
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("text prompt, e.g. 'the astronaut' (Enter adds it to the open round)")
        self.text_edit.returnPressed.connect(self.add_text_prompt)
        prompt_bar.addWidget(QLabel(" Text: "))
        prompt_bar.addWidget(self.text_edit)
        add = QPushButton("Add text")
        add.clicked.connect(self.add_text_prompt)
        prompt_bar.addWidget(add)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, prompt_bar)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_MAX)
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.zoom_label = QLabel("100%")
        self.brush_label = QLabel()
        sb = self.statusBar()
        for w in (self.brush_label, self.zoom_label, self.progress, self.cancel_button):
            sb.addPermanentWidget(w)
        self._fill_recent()

    def _connect(self) -> None:
        c = self.controller
        self.canvas.promptCreated.connect(c.add_prompt)
        self.canvas.detectionPicked.connect(c.pick_detection)
        self.canvas.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.canvas.brushChanged.connect(self._brush_changed)
        c.sessionChanged.connect(self._session_changed)
        c.stateChanged.connect(self._refresh_state)
        c.resultChanged.connect(self.refresh_overlays)
        c.edgeChanged.connect(self._edge_changed)
        self.edge_panel.changed.connect(c.set_edge)
        self.edge_panel.settled.connect(lambda: self.full_view_timer.start(0))
        self.edge_panel.settled.connect(c.end_edge_step)
        self.renderer.rendered.connect(self._apply_overlays)
        self.renderer.failed.connect(lambda _g, m: self.statusBar().showMessage(f"overlays not drawn: {m}", STATUS_MS))
        c.busyChanged.connect(self._busy_changed)
        c.progress.connect(self._progress)
        c.status.connect(lambda m: self.statusBar().showMessage(m, STATUS_MS))
        c.error.connect(self.show_error)
        c.modelImported.connect(self.model_imported)
        self.autosaver.failed.connect(lambda m: self.statusBar().showMessage(m, STATUS_MS))
        p = self.instances
        p.selected.connect(c.select_instance)
        p.addRequested.connect(c.add_instance)
        p.renameRequested.connect(c.rename_instance)
        p.deleteRequested.connect(c.delete_instance)
        p.undoRoundRequested.connect(c.undo_round)
        p.redoRoundRequested.connect(c.redo_round)
        self.overlay_panel.visibilityChanged.connect(self.set_overlay_visible)
        self.overlay_panel.opacityChanged.connect(self.set_overlay_opacity)
        self.overlay_panel.backgroundChanged.connect(self.set_background)

    # ------------------------------------------------------------------ tools and prompts
    def set_tool(self, kind: ToolKind) -> None:
        self.canvas.set_tool(kind)
        self.actions[f"tool_{kind.value}"].setChecked(True)

    def _brush_changed(self, r: float) -> None:
        if self.canvas.tools.brush == ToolKind.SOFT:
            self.brush_label.setText(f"soft brush {r:.0f} px")
            self.settings.soft_radius = r
        else:
            self.brush_label.setText(f"brush {r:.0f} px")
            self.settings.brush_radius = r

    def add_text_prompt(self) -> None:
        text = self.text_edit.text()
        try:
            prompt = Text(text)
        except PromptError as exc:
            self.statusBar().showMessage(str(exc), STATUS_MS)
            return
        if self.controller.add_prompt(prompt):
            self.text_edit.clear()
            self.canvas.setFocus()

    def cancel(self) -> None:
        if not self.canvas.cancel_gesture():
            self.controller.cancel()

    # ------------------------------------------------------------------ refreshing
    def _session_changed(self) -> None:
        c = self.controller
        self.canvas.set_image(c.session.image)
        name = (c.image_path or c.project_path).name if (c.image_path or c.project_path) else "untitled"
        self.setWindowTitle(f"{name} - {TITLE}")
        self._update_actions()

    def _refresh_state(self) -> None:
        c = self.controller
        if c.session is None:
            return
        running = {j.instance for j in c.host.pending if j.instance and not j.cancelled}
        rows = [InstanceRow(i.name, i.colour, len(i.rounds), i.name in running) for i in c.session.instances.values()]
        inst = c.instance()
        lines = [f"round {r.index}: {describe_counts(r.counts)}" for r in c.rounds()]
        if inst.pending:
            from .round_rows import prompt_counts

            lines.append(f"open round: {describe_counts(prompt_counts(inst.pending))} (Enter runs it)")
        texts = [p.text for p in inst.all_prompts() + inst.pending if isinstance(p, Text)]
        if texts:
            lines.append("text: " + "; ".join(texts))
        self.instances.show_state(rows, c.current, lines, c.session.can_undo(c.current),
                                  c.session.can_redo(c.current))
        self.canvas.set_markers(inst.all_prompts(), list(inst.pending), inst.colour)
        self.canvas.detections.show(getattr(inst.result, "grounding", None), inst.colour)
        self.edge_panel.show_settings(inst.edge)
        self._update_actions()

    def refresh_overlays(self, wait: bool = False, preview: bool = False) -> None:
        """Redraw the overlays from the session: rendered on the overlay thread (:attr:`overlaysUpdated` says when
        they are on the canvas), or right here with ``wait`` (the screenshot path); with ``preview`` at most
        :data:`PREVIEW_SIDE` px long (an edge slider is moving)."""
        if not preview:
            self.full_view_timer.stop()
        req = self._overlay_request(preview)
        if req is None:
            return
        if wait:
            self.overlay_generation = self.renderer.supersede()
            self._apply_overlays(self.overlay_generation, render_overlays(req))
        else:
            self.overlay_generation = self.renderer.request(req)

    def _edge_changed(self) -> None:
        """A quick preview now, the full resolution once the control rests."""
        self.refresh_overlays(preview=True)
        self.full_view_timer.start(FULL_VIEW_MS)

    def _overlay_request(self, preview: bool = False) -> OverlayRequest | None:
        c = self.controller
        if c.session is None:
            return None
        session = c.session
        result = c.instance().result
        bg = tuple(int(self.background[i:i + 2], 16) for i in (1, 3, 5)) if self.background else None
        size = preview_size(session.height, session.width, PREVIEW_SIDE) if preview else None
        image = session.image if size is None else self._reduced_photo(size)
        return OverlayRequest(image, session.alphas_snapshot(size), {n: i.colour for n, i in session.instances.items()},
                              None if result is None else result.trimap, None if result is None else result.conflict,
                              dict(self.overlay_visible), bg,
                              {n: i.edge.decontaminate for n, i in session.instances.items()},
                              (session.height, session.width))

    def _reduced_photo(self, size: tuple[int, int]) -> np.ndarray:
        key = (self.controller.session.key, size)
        if self._preview_image is None or self._preview_image[0] != key:
            self._preview_image = (key, cv2.resize(self.controller.session.image, size, interpolation=cv2.INTER_AREA))
        return self._preview_image[1]

    def _apply_overlays(self, generation: int, images: dict) -> None:
        if generation != self.overlay_generation:
            return  # a newer request is on its way
        for kind, image in images.items():
            self.canvas.set_overlay(kind, image)
        self.overlaysUpdated.emit()

    def set_overlay_visible(self, kind: ov.Overlay, visible: bool) -> None:
        self.overlay_visible[kind] = visible
        self.settings.set_overlay_visible(kind.value, visible)
        self.canvas.set_overlay_visible(kind, visible)
        if kind not in (ov.Overlay.MARKERS, ov.Overlay.DETECTIONS):
            self.refresh_overlays()

    def set_overlay_opacity(self, kind: ov.Overlay, opacity: float) -> None:
        self.settings.set_overlay_opacity(kind.value, opacity)
        self.canvas.set_overlay_opacity(kind, opacity)

    def set_background(self, colour: str) -> None:
        self.background = colour
        self.settings.composite_colour = colour
        self.refresh_overlays()

    def _busy_changed(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if not busy:
            self.progress.setValue(0)
        self._refresh_state()

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * PROGRESS_MAX))
        if message:
            self.statusBar().showMessage(message, STATUS_MS)

    def _update_actions(self) -> None:
        has = self.controller.session is not None
        for k in ("save", "save_as", "export", "undo", "redo", "run", "add_instance", "delete_instance"):
            self.actions[k].setEnabled(has)

    # ------------------------------------------------------------------ errors
    def show_error(self, message: str) -> None:
        """A non-blocking message box (the event loop and any running round carry on)."""
        self.last_error = message
        self.statusBar().showMessage(message, STATUS_MS)
        if self.error_box is not None:
            self.error_box.close()
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, TITLE, message, QMessageBox.StandardButton.Ok, self)
        self.error_box.open()

    def report(self, fn, *args):
        """Run ``fn``; an expected error becomes a message box."""
        try:
            return fn(*args)
        except USER_ERRORS as exc:
            self.show_error(str(exc))
            return None

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.controller.dirty and not self.confirm_discard():
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.controller.shutdown()
        self.renderer.stop()
        self.autosaver.discard()
        event.accept()
