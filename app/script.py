"""Runs the rounds of a prompts file through the controller, one round after the other (``--prompts``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from mattestudio.interaction.prompt_file import InstancePrompts


class ScriptRunner(QObject):
    done = Signal(bool)  # True: every round committed

    def __init__(self, controller, script: list[InstancePrompts], parent: QObject | None = None):
        super().__init__(parent)
        self.c = controller
        self.steps = [(i, inst.name, rnd) for i, inst in enumerate(script) for rnd in inst.rounds]
        self.names = [inst.name for inst in script]
        self.failures: list[str] = []
        self._waiting = False
        controller.roundFinished.connect(self._finished)
        controller.roundFailed.connect(self._failed)

    def start(self) -> None:
        """Call once the session is open: creates the instances, then runs the rounds."""
        c = self.c
        for k, name in enumerate(self.names):
            if name in c.session.instances:
                continue
            first = c.session.instances[c.current]
            if k == 0 and not first.rounds and not first.pending:
                c.rename_instance(c.current, name)
            else:
                c.add_instance(name)
        self._next()

    def _next(self) -> None:
        if not self.steps:
            self.done.emit(not self.failures)
            return
        _, name, prompts = self.steps.pop(0)
        self.c.select_instance(name)
        for p in prompts:
            if not self.c.add_prompt(p):
                self.failures.append(f"prompt {p} was refused: {self.c.last_refusal}")
        self._waiting = self.c.run_round() is not None
        if not self._waiting:
            self.failures.append(f"a round of '{name}' could not start: {self.c.last_refusal}")
            self._next()

    def _finished(self, instance: str, committed: bool) -> None:
        if self._waiting:
            self._waiting = False
            if not committed:
                self.failures.append(f"a round of '{instance}' was superseded")
            self._next()

    def _failed(self, instance: str, message: str) -> None:
        if self._waiting:
            self._waiting = False
            self.failures.append(f"round of '{instance}' failed: {message}")
            self.steps.clear()
            self.done.emit(False)
