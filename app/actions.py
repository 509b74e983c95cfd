"""The declarative action table: id, text, icon, default shortcuts; the main window binds handlers by id."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Callable

from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    icon: str = ""  # resources/icons/<icon>.svg
    shortcuts: tuple[str, ...] = ()
    tip: str = ""
    checkable: bool = False
    group: str = ""  # checkable actions of one group are exclusive


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open...", "open", (QKeySequence.StandardKey.Open,), "Open an image or a project"),
    ActionSpec("save", "&Save Project", "save", (QKeySequence.StandardKey.Save,), "Save the project (*.mattes)"),
    ActionSpec("save_as", "Save Project &As...", "", ("Ctrl+Shift+S",), "Save the project under a new name"),
    ActionSpec("export", "&Export...", "export", ("Ctrl+E",), "Export alpha PNG / RGBA cut-out"),
    ActionSpec("import_model", "&Import Model File...", "", (),
               "Use a SAM, MobileSAM or CLIP checkpoint (copied into the user cache, checked by its sha256)"),
    ActionSpec("preferences", "&Preferences...", "preferences", ("Ctrl+,",), "Back-ends, device, auto-run, autosave"),
    ActionSpec("quit", "&Quit", "", (QKeySequence.StandardKey.Quit,)),
    ActionSpec("undo", "&Undo", "undo", ("Ctrl+Z",), "Undo the last prompt, edge change or round"),
    ActionSpec("redo", "&Redo", "redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo"),
    ActionSpec("run", "&Run Round", "run", ("Return", "Enter"), "Run a round with the open prompts (Enter)"),
    ActionSpec("auto", "&Auto", "auto", ("A",),
               "Propose a first round for the current instance without prompts (GFM, the salient subject)"),
    ActionSpec("cancel", "&Cancel", "cancel", ("Esc",), "Cancel the running round or the gesture (Esc)"),
    ActionSpec("tool_click", "&Click", "click", ("C",), "Click: left = foreground, right or Shift = background",
               True, "tool"),
    ActionSpec("tool_scribble", "&Scribble", "scribble", ("S",),
               "Scribble brush: left = foreground, right or Shift = background; [ and ] change its size", True, "tool"),
    ActionSpec("tool_box", "&Box", "box", ("B",), "Drag a box around the object", True, "tool"),
    ActionSpec("tool_soft", "S&oft Brush", "soft", ("R",),
               "Soft brush: paint hair, fur, glass or smoke; their alpha is solved there, not decided; [ and ] change "
               "its size", True, "tool"),
    ActionSpec("tool_pan", "&Pan", "pan", ("H",), "Pan (or hold Space, or drag with the middle button)", True,
               "tool"),
    ActionSpec("text_prompt", "&Text Prompt", "text", ("T",), "Type a text prompt"),
    ActionSpec("brush_smaller", "Brush Smaller", "", ("[",), "Smaller scribble or soft brush ([)"),
    ActionSpec("brush_larger", "Brush Larger", "", ("]",), "Larger scribble or soft brush (])"),
    ActionSpec("zoom_in", "Zoom &In", "zoom-in", (QKeySequence.StandardKey.ZoomIn, "+", "=")),
    ActionSpec("zoom_out", "Zoom &Out", "zoom-out", (QKeySequence.StandardKey.ZoomOut, "-")),
    ActionSpec("fit", "&Fit to Window", "fit", ("Ctrl+0", "F")),
    ActionSpec("actual_size", "&Actual Size (100%)", "actual-size", ("Ctrl+1", "1")),
    ActionSpec("add_instance", "&New Instance", "instance-add", ("Ctrl+N",), "Add an instance (a new object)"),
    ActionSpec("delete_instance", "&Delete Instance", "instance-remove", (), "Delete the current instance"),
)


def icon(name: str) -> QIcon:
    if not name:
        return QIcon()
    path = resources.files("mattestudio.resources").joinpath(f"icons/{name}.svg")
    return QIcon(str(path))


def build_actions(parent: QWidget, handlers: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    """QActions for :data:`ACTIONS`, added to ``parent`` (so shortcuts work window-wide) and bound to ``handlers``."""
    actions: dict[str, QAction] = {}
    groups: dict[str, QActionGroup] = {}
    for spec in ACTIONS:
        a = QAction(icon(spec.icon), spec.text, parent)
        a.setObjectName(f"action_{spec.id}")
        keys = [QKeySequence(s) for s in spec.shortcuts]
        a.setShortcuts(keys)
        shortcut = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
        a.setToolTip(f"{spec.tip or spec.text.replace('&', '')}" + (f" ({shortcut})" if shortcut else ""))
        a.setCheckable(spec.checkable)
        if spec.group:
            groups.setdefault(spec.group, QActionGroup(parent)).addAction(a)
        if spec.id in handlers:
            a.triggered.connect(lambda _checked=False, fn=handlers[spec.id]: fn())
        parent.addAction(a)
        actions[spec.id] = a
    return actions
