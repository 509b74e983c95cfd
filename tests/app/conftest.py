"""Fixtures for the app tests: isolated settings, a real main window on a small synthetic image."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from mattestudio.app.controller import Controller  # noqa: E402
from mattestudio.app.main_window import MainWindow  # noqa: E402
from mattestudio.app.settings import Settings  # noqa: E402
from mattestudio.interaction.session import Session  # noqa: E402


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.at(tmp_path / "settings.ini")


@pytest.fixture
def make_window(qtbot, settings, tmp_path):
    """make_window(session) -> a shown MainWindow on ``session`` (isolated settings and autosave folder)."""
    windows = []

    def make(session: Session) -> MainWindow:
        w = MainWindow(settings, Controller(), autosave_folder=tmp_path / "autosave", interactive=False)
        qtbot.addWidget(w)
        w.show()
        w.controller.set_session(session)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.controller.shutdown()


@pytest.fixture
def window(make_window, disc_image):
    return make_window(Session(disc_image[0]))
