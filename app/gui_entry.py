"""``mattestudio [IMAGE] [--prompts P.json] [--screenshot OUT.png]``: the desktop application.

Without IMAGE the bundled sample opens. With --screenshot the window runs the prompts' rounds, renders the overlays,
saves a picture of itself and exits (0 when every round ran)."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import traceback
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from mattestudio.interaction.errors import USER_ERRORS
from mattestudio.interaction.prompt_file import load_prompts
from mattestudio.interaction.samples import sample_path

from .main_window import MainWindow
from .overlays import Overlay
from .script import ScriptRunner
from .settings import APPLICATION, ORGANISATION, Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SCREENSHOT_SIZE = (1100, 720)
#: Qt's PNG 'quality' is the inverse of the zlib level: 0 = smallest file
PNG_QUALITY = 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mattestudio", description="MatteStudio: interactive image matting.")
    p.add_argument("image", nargs="?", help="image or *.mattes project to open (default: the bundled sample)")
    p.add_argument("--prompts", help="prompts JSON whose rounds run after opening")
    p.add_argument("--screenshot", metavar="OUT.png", help="save a screenshot of the window after the rounds, exit")
    p.add_argument("--overlays", metavar="LIST",
                   help=f"comma-separated overlays to show ({','.join(o.value for o in Overlay)}), each with an "
                        "optional :opacity (e.g. markers:0.4); default: as last time")
    return p


def overlay_list(text: str | None) -> dict[Overlay, float | None] | None:
    """``composite,markers:0.4`` -> the overlays to show, each with its opacity (None: as the settings say)."""
    if not text:
        return None
    usage = f"mattestudio: error: --overlays takes {','.join(o.value for o in Overlay)}, each with an optional " \
            ":opacity between 0 and 1"
    out: dict[Overlay, float | None] = {}
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        name, _, opacity = item.partition(":")
        try:
            kind, value = Overlay(name.strip()), float(opacity) if opacity else None
        except ValueError:
            raise SystemExit(usage) from None
        if value is not None and not 0.0 <= value <= 1.0:
            raise SystemExit(usage)
        out[kind] = value
    return out


def show_overlays(window: MainWindow, kinds: dict[Overlay, float | None] | None) -> None:
    if kinds is not None:
        for kind, box in window.overlay_panel.boxes.items():
            box.setChecked(kind in kinds)
            if kinds.get(kind) is not None:
                window.overlay_panel.sliders[kind].setValue(round(kinds[kind] * window.overlay_panel.sliders[kind]
                                                                  .maximum()))


def _install_excepthook(window: MainWindow) -> None:
    def hook(kind, value, tb):
        logging.getLogger("mattestudio").error("".join(traceback.format_exception(kind, value, tb)))
        window.show_error(f"Unexpected error: {kind.__name__}: {value}")

    sys.excepthook = hook


def _wait(signal, loop: QEventLoop) -> None:
    signal.connect(loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    path = Path(args.image) if args.image else sample_path()
    overlays = overlay_list(args.overlays)
    try:
        script = load_prompts(args.prompts) if args.prompts else []
    except USER_ERRORS as exc:
        print(f"mattestudio: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    if args.screenshot:
        return _screenshot(path, script, Path(args.screenshot), overlays)
    window = MainWindow(Settings())
    show_overlays(window, overlays)
    _install_excepthook(window)
    window.show()
    window.controller.warm_up()
    window.open_path(path)
    if script:
        runner = ScriptRunner(window.controller, script, window)
        window.controller.sessionChanged.connect(runner.start)
    QTimer.singleShot(0, window.offer_restore)
    return app.exec()


def _screenshot(path: Path, script, out: Path, overlays: dict[Overlay, float | None] | None) -> int:
    """Open ``path``, run ``script``, grab the window to ``out`` (settings at their defaults, nothing remembered)."""
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(Settings.at(Path(tmp) / "settings.ini"), autosave_folder=Path(tmp), interactive=False)
        window.resize(*SCREENSHOT_SIZE)
        show_overlays(window, overlays)
        window.show()
        c = window.controller
        loop = QEventLoop()
        errors: list[str] = []
        c.error.connect(errors.append)
        c.error.connect(lambda _m: loop.quit())
        window.open_path(path)
        if c.session is None:
            _wait(c.sessionChanged, loop)
        ok = c.session is not None
        if ok and script:
            runner = ScriptRunner(c, script, window)
            result: list[bool] = []
            runner.done.connect(result.append)
            runner.start()
            if not result:
                _wait(runner.done, loop)
            ok = bool(result) and result[0]
            errors.extend(runner.failures)
        window.refresh_overlays(wait=True)
        window.canvas.fit()
        QApplication.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        saved = window.grab().save(str(out), "PNG", PNG_QUALITY)
        window.close()
        for e in errors:
            print(f"mattestudio: error: {e}", file=sys.stderr)
        if not saved:
            print(f"mattestudio: error: could not write {out}", file=sys.stderr)
            return EXIT_FAILED
        print(f"screenshot written to {out}", file=sys.stderr)
        return EXIT_OK if ok and not errors else EXIT_FAILED
