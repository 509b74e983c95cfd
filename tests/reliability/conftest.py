"""Reliability tests: no network at all (any socket fails the test), a generated folder of awkward images, and a
main window with isolated settings for the app's open-file path."""

from __future__ import annotations

import socket

import pytest

from netguard import refuse as _refuse
from reliability_images import CASES, write_cases


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every test in this folder fails if anything opens a socket or a connection."""
    monkeypatch.setattr(socket, "socket", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory):
    """The fixture folder of awkward images, written once per test run (see reliability_images.CASES)."""
    folder = tmp_path_factory.mktemp("images")
    write_cases(folder)
    return folder


@pytest.fixture
def qt_window(qtbot, tmp_path):
    """A shown main window with isolated settings and autosave folder, never opening a blocking dialog."""
    from mattestudio.app.controller import Controller
    from mattestudio.app.main_window import MainWindow
    from mattestudio.app.settings import Settings

    w = MainWindow(Settings.at(tmp_path / "settings.ini"), Controller(), autosave_folder=tmp_path / "autosave",
                   interactive=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.controller.shutdown()


__all__ = ["CASES"]
