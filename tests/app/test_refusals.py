"""Refusals in the app path name their cause (as the command line's validation does)."""

from __future__ import annotations

from mattestudio.app.script import ScriptRunner
from mattestudio.interaction.prompt_file import InstancePrompts
from mattestudio.interaction.prompts import Box, Click


def test_a_refused_prompt_names_its_cause(window, qtbot):
    c = window.controller
    script = [InstancePrompts("disc", ((Box(10, 10, 400, 50), Click(20, 20)),))]
    runner = ScriptRunner(c, script, window)
    with qtbot.waitSignal(runner.done, timeout=120_000):
        runner.start()
    refused = [f for f in runner.failures if "refused" in f]
    assert len(refused) == 1
    assert "box corner at (400, 50) lies outside the 160x120 image" in refused[0], refused[0]
