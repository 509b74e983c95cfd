"""``python -m mattestudio.app.probe_run [IMAGE] [--segmenter SPEC] [--refiner SPEC] [--weights NAME=PATH]``: open
the real window offscreen on a photo, run a box round and two click rounds on the worker, and print the longest
event-loop gap of each, up to the moment its overlays are on the canvas (the responsiveness figure of the app), and
each round's time."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m mattestudio.app.probe_run", description=__doc__.splitlines()[0])
    p.add_argument("image", nargs="?")
    p.add_argument("--segmenter", default="classic")
    p.add_argument("--refiner", default="classic")
    p.add_argument("--weights", action="append", default=[], metavar="NAME=PATH")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from mattestudio.interaction.backends import parse_weight_files, use_weight_files
    from mattestudio.interaction.imageio import load_image
    from mattestudio.interaction.prompts import Box, Click
    from mattestudio.interaction.samples import sample_path
    from mattestudio.interaction.session import Session

    from .controller import Controller
    from .main_window import MainWindow
    from .probe import EventLoopProbe
    from .settings import Settings

    app = QApplication.instance() or QApplication([])
    use_weight_files(parse_weight_files(args.weights))
    image = load_image(args.image or sample_path()).rgb
    h, w = image.shape[:2]
    tmp = Path(tempfile.mkdtemp(prefix="mattestudio-probe-"))
    window = MainWindow(Settings.at(tmp / "settings.ini"), Controller(args.segmenter, args.refiner),
                        autosave_folder=tmp / "autosave", interactive=False)
    window.show()
    c = window.controller
    c.set_session(Session(image, args.segmenter, args.refiner))
    # measure rounds as a user meets them: after the start-up warm-up of the back-ends has finished
    warm = QEventLoop()
    c.warmedUp.connect(warm.quit)
    c.warm_up()
    QTimer.singleShot(300_000, warm.quit)
    warm.exec()
    rounds = [[Box(0.1 * w, 0.05 * h, 0.9 * w, 0.98 * h)], [Click(0.5 * w, 0.4 * h), Click(0.3 * w, 0.6 * h)],
              [Click(0.05 * w, 0.05 * h, False)]]
    gaps, seconds = [], []
    for prompts in rounds:
        for p in prompts:
            c.add_prompt(p)
        # a round is over for the user once its overlays are on the canvas (they are drawn after it is committed)
        loop = QEventLoop()
        window.overlaysUpdated.connect(loop.quit)
        probe = EventLoopProbe()
        probe.start()
        window.actions["run"].trigger()
        QTimer.singleShot(600_000, loop.quit)  # a SAM first round encodes the photo (tens of seconds on a CPU)
        t0 = time.perf_counter()
        loop.exec()
        seconds.append(time.perf_counter() - t0)
        window.overlaysUpdated.disconnect(loop.quit)
        gaps.append(probe.stop())
    print(f"{w}x{h}: longest event-loop gap per round (ms): " + ", ".join(f"{g:.0f}" for g in gaps)
          + "; round times (s): " + ", ".join(f"{t:.1f}" for t in seconds))
    c.shutdown()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
