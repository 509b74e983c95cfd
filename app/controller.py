"""The controller: owns the session and the worker, turns user intents (from widgets' signals) into session edits
and worker jobs, and announces what changed. It never computes a round itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from mattestudio.interaction.backends import auto_round, replace_backends
from mattestudio.interaction.edge import EdgeSettings
from mattestudio.interaction.errors import USER_ERRORS
from mattestudio.interaction.grounding.step import repick
from mattestudio.interaction.imageio import load_image
from mattestudio.interaction.prompts import Prompt
from mattestudio.interaction.session import Instance, RoundTicket, Session, SessionError

from .exporting import ExportOptions, write_exports
from .round_rows import RoundRow, prompt_counts
from .warmup import warm_up
from .worker import Job, JobKind, WorkerHost, error_text


class Controller(QObject):
    sessionChanged = Signal()  # a new image or project is open
    stateChanged = Signal()  # instances, rounds or pending prompts changed
    resultChanged = Signal()  # some instance's result changed (overlays must be redrawn)
    edgeChanged = Signal()  # an instance's edge controls changed (overlays: a quick preview, then the full view)
    busyChanged = Signal(bool)
    progress = Signal(float, str)
    status = Signal(str)
    error = Signal(str)
    roundFinished = Signal(str, bool)  # instance, committed (False: a newer round superseded it)
    roundFailed = Signal(str, str)  # instance, message
    warmedUp = Signal(float)
    modelImported = Signal(object)  # an interaction.model_files.ImportedModel

    def __init__(self, segmenter: str | object = "classic", refiner: str | object = "classic", device: str = "cpu",
                 auto_run_ms: int = 0, parent: QObject | None = None):
        super().__init__(parent)
        self.backends = (segmenter, refiner, device)
        self.session: Session | None = None
        self.image_path: Path | None = None
        self.project_path: Path | None = None
        self.current: str | None = None
        self.dirty = False
        self.last_refusal = ""  # why the latest refused edit was refused (also shown as a status message)
        self.image_id = 0
        self._latest_open: Job | None = None
        self._round_id = 0
        self.host = WorkerHost(self)
        w = self.host.worker
        w.started.connect(self._on_started)
        w.progress.connect(self._on_progress)
        w.finished.connect(self._on_finished)
        w.failed.connect(self._on_failed)
        w.cancelled.connect(self._on_cancelled)
        self.auto_timer = QTimer(self)
        self.auto_timer.setSingleShot(True)
        self.auto_timer.timeout.connect(self.run_round)
        self.set_auto_run(auto_run_ms)

    # ------------------------------------------------------------------ lifecycle
    def shutdown(self) -> None:
        self.auto_timer.stop()
        self.host.stop()

    def set_auto_run(self, ms: int) -> None:
        self.auto_run_ms = max(0, int(ms))
        if not self.auto_run_ms:
            self.auto_timer.stop()

    def warm_up(self) -> Job:
        seg, ref, device = self.backends
        return self._submit(JobKind.WARMUP, lambda p, c: warm_up(seg, ref, device, p, c))

    def set_backends(self, segmenter: str | object, refiner: str | object, device: str) -> None:
        """Use these back-ends from now on (the open session switches too; its results stay)."""
        self.backends = (segmenter, refiner, device)
        if self.session is not None:
            session = self.session
            self._submit(JobKind.BACKENDS, lambda p, c: replace_backends(session, segmenter, refiner, device))

    # ------------------------------------------------------------------ model files
    def import_model(self, path: str | Path) -> Job:
        """Copy and recognise a model file on the worker (:attr:`modelImported` when done, :attr:`error` if not)."""
        from mattestudio.interaction.model_files import import_model_file

        return self._submit(JobKind.IMPORT, lambda p, c: import_model_file(path, p, c))

    def use_weight_files(self, files: dict[str, str]) -> list[str]:
        """Back-ends built from now on read these files; remembered files that are gone are left out (returned)."""
        from mattestudio.interaction.backends import use_weight_files

        present = {n: f for n, f in files.items() if Path(f).is_file()}
        use_weight_files(present)
        return sorted(set(files) - set(present))

    # ------------------------------------------------------------------ opening
    def open_image(self, path: str | Path) -> Job:
        seg, ref, device = self.backends
        path = Path(path)

        def run(progress, cancel):
            progress(0.0, f"opening {path.name}...")
            rgb = load_image(path).rgb
            return Session(rgb, seg, ref, device), path, None

        return self._open(run)

    def open_project(self, path: str | Path) -> Job:
        from mattestudio.interaction.project import load_project

        seg, ref, device = self.backends
        path = Path(path)

        def run(progress, cancel):
            progress(0.0, f"opening {path.name}...")
            return load_project(path, seg, ref, device), None, path

        return self._open(run)

    def _open(self, run) -> Job:
        self.host.cancel(lambda job: job.kind == JobKind.OPEN)
        self._latest_open = self._submit(JobKind.OPEN, run)
        return self._latest_open

    def set_session(self, session: Session, image_path: Path | None = None, project_path: Path | None = None) -> None:
        self.image_id += 1
        self.host.cancel(lambda job: job.kind in (JobKind.ROUND, JobKind.OPEN) and job.image_id < self.image_id)
        self.session, self.image_path, self.project_path = session, image_path, project_path
        if not session.instances:
            session.add_instance()
        self.current = next(iter(session.instances))
        self.dirty = False
        self.sessionChanged.emit()
        self.stateChanged.emit()
        self.resultChanged.emit()

    # ------------------------------------------------------------------ prompts of the open round
    def _need(self) -> Session:
        if self.session is None or self.current is None:
            raise SessionError("open an image first")
        return self.session

    def _guard(self, fn, *args):
        """Run a session edit; a user error becomes a status message instead of an exception."""
        try:
            return fn(*args)
        except USER_ERRORS as exc:
            self.last_refusal = error_text(exc)
            self.status.emit(self.last_refusal)
            return None

    def add_prompt(self, prompt: Prompt) -> bool:
        ok = self._guard(lambda: (self._need().add_prompt(self.current, prompt), True)[1])
        if ok:
            self._edited()
            if self.auto_run_ms:
                self.auto_timer.start(self.auto_run_ms)
        return bool(ok)

    def pending(self) -> list[Prompt]:
        return [] if self.session is None or self.current is None else list(self.instance().pending)

    def instance(self, name: str | None = None) -> Instance:
        return self._need().instance(name or self.current)

    def undo(self) -> None:
        """Ctrl+Z: the current instance's newest change (the open round's last prompt, an edge control's movement,
        else its last round)."""
        if self.session is None:
            return
        self._stepped(self.session.undo_step(self.current), "nothing to undo")

    def redo(self) -> None:
        if self.session is None:
            return
        self._stepped(self.session.redo_step(self.current), "nothing to redo")

    def _stepped(self, step: str | None, nothing: str) -> None:
        if step is None:
            self.status.emit(nothing)
        elif step == "edge":
            self.dirty = True
            self.stateChanged.emit()  # the edge panel shows the settings back
            self.edgeChanged.emit()
        else:
            if step == "prompt":
                self.auto_timer.stop()
            self._edited(result=step == "round")

    def undo_round(self, name: str | None = None) -> None:
        if self.session is not None and self.session.undo(name or self.current):
            self._edited(result=True)

    def redo_round(self, name: str | None = None) -> None:
        if self.session is not None and self.session.redo(name or self.current):
            self._edited(result=True)

    def _edited(self, result: bool = False) -> None:
        self.dirty = True
        self.stateChanged.emit()
        if result:
            self.resultChanged.emit()

    # ------------------------------------------------------------------ instances
    def add_instance(self, name: str | None = None) -> str | None:
        inst = self._guard(lambda: self._need().add_instance(name))
        if inst is not None:
            self.current = inst.name
            self._edited(result=True)
            return inst.name
        return None

    def rename_instance(self, old: str, new: str) -> bool:
        ok = self._guard(lambda: (self._need().rename_instance(old, new), True)[1])
        if ok:
            self.host.cancel(lambda job: job.kind == JobKind.ROUND and job.instance == old)
            if self.current == old:
                self.current = new.strip()
            self._edited(result=True)
        return bool(ok)

    def delete_instance(self, name: str) -> None:
        session = self._need()
        if len(session.instances) <= 1:
            self.status.emit("the last instance cannot be deleted")
            return
        self.host.cancel(lambda job: job.kind == JobKind.ROUND and job.instance == name)
        session.remove_instance(name)
        if self.current == name:
            self.current = next(iter(session.instances))
        self._edited(result=True)

    def select_instance(self, name: str) -> None:
        if self.session is not None and name in self.session.instances and name != self.current:
            self.auto_timer.stop()
            self.current = name
            self.stateChanged.emit()
            self.resultChanged.emit()

    def set_edge(self, settings: EdgeSettings, name: str | None = None) -> None:
        """The edge controls of ``name`` (default: the current instance); non-destructive, the alpha stays."""
        if self.session is None or self.current is None:
            return
        if self.session.set_edge(name or self.current, settings):
            self.dirty = True
            self.edgeChanged.emit()

    def end_edge_step(self) -> None:
        """An edge slider was released: Ctrl+Z takes back that drag alone."""
        if self.session is not None and self.current is not None:
            self.session.end_edge_step(self.current)

    def rounds(self, name: str | None = None) -> list[RoundRow]:
        return [RoundRow(i + 1, prompt_counts(r.prompts)) for i, r in enumerate(self.instance(name).rounds)]

    # ------------------------------------------------------------------ rounds
    def run_round(self) -> Job | None:
        """Run the open round of the current instance on the worker (a running round of it is superseded)."""
        self.auto_timer.stop()
        if self.session is None or self.current is None:
            self.last_refusal = "open an image first"
            return None
        if not self.instance().pending:
            self.last_refusal = "the open round has no prompts: add a click, scribble, box, soft stroke or text first"
            self.status.emit(self.last_refusal)
            return None
        return self._start_round(self._guard(self.session.begin_round, self.current))

    def auto_round(self) -> Job | None:
        """Propose a first round for the current instance with the prompt-free back-end (salient subject)."""
        self.auto_timer.stop()
        if self.session is None or self.current is None:
            return None
        return self._start_round(self._guard(auto_round, self.session, self.current, self.session.device))

    def pick_detection(self, index: int) -> Job | None:
        """Run the current instance's last round again with the ``index``-th detection its text was matched against
        (a tag the user clicked) as its box."""
        if self.session is None or self.current is None:
            return None
        job = self._start_round(self._guard(repick, self.session, self.current, index))
        if job is not None:
            self._edited(result=True)
        return job

    def _start_round(self, ticket) -> Job | None:
        """Submit ``ticket`` to the worker; a running round of the same instance is superseded."""
        if ticket is None:
            return None
        name = ticket.instance
        self.host.cancel(lambda job: job.kind == JobKind.ROUND and job.instance == name)
        session = self.session
        self._round_id += 1
        return self._submit(JobKind.ROUND, lambda p, c: _computed_and_packed(session, ticket, p, c), instance=name,
                            payload=ticket)

    def cancel(self) -> None:
        if self.host.cancel(lambda job: job.kind in (JobKind.ROUND, JobKind.IMPORT)):
            self.status.emit("cancelling...")

    @property
    def busy(self) -> bool:
        return self.host.busy

    # ------------------------------------------------------------------ files
    def export(self, options: ExportOptions) -> list[Path]:
        session = self._need()
        insts = session.instances.values()
        return write_exports(session.image, session.alphas(), options, self.current,
                             masks={i.name: i.result.mask for i in insts if i.result is not None},
                             decontaminate={i.name: i.edge.decontaminate for i in insts})

    def save_project(self, path: str | Path) -> Path:
        from mattestudio.interaction.project import save_project

        out = save_project(self._need(), path, self.image_path)
        self.project_path, self.dirty = Path(out), False
        self.stateChanged.emit()
        return Path(out)

    # ------------------------------------------------------------------ worker plumbing
    def _submit(self, kind: JobKind, run, instance: str = "", payload=None) -> Job:
        job = self.host.submit(Job(kind, self.image_id, self._round_id, run, instance, payload))
        self.busyChanged.emit(True)
        return job

    def _settle(self) -> None:
        if not self.host.busy:
            self.busyChanged.emit(False)

    def _on_started(self, job: Job) -> None:
        if job.kind == JobKind.ROUND:
            self.progress.emit(0.0, f"round of '{job.instance}' running...")

    def _on_progress(self, job: Job, fraction: float, message: str) -> None:
        if not job.cancelled:
            self.progress.emit(fraction, message)

    def _on_finished(self, job: Job, result) -> None:
        self.host._forget(job)
        if job.kind == JobKind.OPEN:
            if job is self._latest_open:
                self._latest_open = None
                session, image_path, project_path = result
                self.set_session(session, image_path, project_path)
                self.status.emit(f"opened {(image_path or project_path).name}")
        elif job.kind == JobKind.IMPORT:
            self.modelImported.emit(result)
        elif job.kind == JobKind.WARMUP:
            self.status.emit(f"matting solver ready ({result:.1f} s)")
            self.warmedUp.emit(float(result))
        elif job.kind == JobKind.ROUND and job.image_id == self.image_id and self.session is not None:
            ticket: RoundTicket = job.payload
            committed = self.session.commit(ticket, result)
            if committed:
                self.dirty = True
                secs = result.segment_seconds + result.refine_seconds
                note = f" ({'; '.join(result.warnings)})" if result.warnings else ""
                self.status.emit(f"round {len(self.instance(job.instance).rounds)} of '{job.instance}' done in "
                                 f"{secs:.2f} s{note}")
                self.stateChanged.emit()
                self.resultChanged.emit()
            self.roundFinished.emit(job.instance, committed)
        self._settle()

    def _on_failed(self, job: Job, message: str) -> None:
        self.host._forget(job)
        if job.kind == JobKind.ROUND:
            self.roundFailed.emit(job.instance, message)
            self.error.emit(f"The round of '{job.instance}' failed: {message}")
        elif job.kind == JobKind.WARMUP:
            self.status.emit(f"could not prepare the back-ends: {message}")
        else:
            self.error.emit(message)
        self._settle()

    def _on_cancelled(self, job: Job) -> None:
        self.host._forget(job)
        if job.kind == JobKind.ROUND:
            self.status.emit(f"round of '{job.instance}' cancelled; its prompts stay in the open round")
        self._settle()


def _computed_and_packed(session, ticket, progress, cancel):
    """Run a round on the worker, and make its compact (PNG) form there too, so that committing it on the GUI thread
    (which releases the previous round to that form) never encodes."""
    result = session.compute(ticket, progress, cancel)
    for r in [result] + [r for _, r in result.siblings]:  # siblings: the further instances of "all" / "both"
        r.pack()
    return result
