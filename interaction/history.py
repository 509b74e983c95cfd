"""The undo history of a session's instances: the records (rounds, edge steps, instances) and the undo / redo of
prompts, rounds and edge-control movements as one history per instance, newest first (:class:`History`, which
:class:`~mattestudio.interaction.session.Session` inherits)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .edge import EdgeSettings
from .prompts import Prompt
from .results import PackedResult, RoundResult

#: undone prompts of the open round (and edge steps) that can be redone
PROMPT_REDO_LIMIT = 200


@dataclass
class Round:
    prompts: tuple[Prompt, ...]
    packed: PackedResult | None = None
    live: RoundResult | None = None  # unpacked arrays of the current round
    #: further instances this round created ("both" / "all"): undoing the round takes them out of the session (they
    #: wait here, with everything done to them since, and come back on redo)
    spawned: list = field(default_factory=list)
    seq: int = 0  # when it was committed (the session's action counter): orders round and edge undo steps

    @property
    def result(self) -> RoundResult | None:
        if self.live is not None:
            return self.live
        if self.packed is not None:
            self.live = self.packed.unpack()
            return self.live
        return None

    def release(self) -> None:
        """Keep only the packed form."""
        if self.live is not None and self.packed is None:
            self.packed = self.live.pack()
        self.live = None


@dataclass
class EdgeEdit:
    """One undo step of the edge controls: a slider's whole movement, or a reset."""

    before: EdgeSettings
    after: EdgeSettings
    control: str | None  # the one control it moved (its further moves join the step); None: several, or let go
    seq: int


@dataclass
class Instance:
    name: str
    colour: tuple[int, int, int]
    rounds: list[Round] = field(default_factory=list)
    redo_rounds: list[Round] = field(default_factory=list)
    pending: list[Prompt] = field(default_factory=list)
    pending_redo: list[Prompt] = field(default_factory=list)
    generation: int = 0
    edge: EdgeSettings = field(default_factory=EdgeSettings)  # edge controls, applied to the alpha non-destructively
    edge_undo: list[EdgeEdit] = field(default_factory=list)
    edge_redo: list[EdgeEdit] = field(default_factory=list)
    # the session's action counter at each pending / undone prompt (parallel to ``pending`` / ``pending_redo``)
    pending_seq: list[int] = field(default_factory=list)
    pending_redo_seq: list[int] = field(default_factory=list)

    def all_prompts(self) -> list[Prompt]:
        return [p for r in self.rounds for p in r.prompts]

    @property
    def result(self) -> RoundResult | None:
        return self.rounds[-1].result if self.rounds else None


class History:
    """Undo and redo over ``self.instances`` (the session's); ``self._seq`` counts the instances' actions so that
    prompts, rounds and edge steps can be put in one order."""

    instances: dict[str, Instance]
    _seq: int

    # ----------------------------------------------------------------- prompts of the open round
    def undo_prompt(self, name: str) -> Prompt | None:
        inst = self.instance(name)
        p = _move_last(inst.pending, inst.pending_seq, inst.pending_redo, inst.pending_redo_seq)
        del inst.pending_redo[:-PROMPT_REDO_LIMIT]
        del inst.pending_redo_seq[:-PROMPT_REDO_LIMIT]
        return p

    def redo_prompt(self, name: str) -> Prompt | None:
        inst = self.instance(name)
        return _move_last(inst.pending_redo, inst.pending_redo_seq, inst.pending, inst.pending_seq)

    # ----------------------------------------------------------------- edge controls, and the history as a whole
    def set_edge(self, name: str, settings: EdgeSettings) -> bool:
        """New edge controls for ``name`` (non-destructive: the alpha stays) as one undo step; further moves of the
        same single control, with nothing done to the instance in between, join that step (a slider's drag is one
        step). False when nothing changed."""
        inst = self.instance(name)
        if settings == inst.edge:
            return False
        moved = [k for k in vars(settings) if getattr(settings, k) != getattr(inst.edge, k)]
        control = moved[0] if len(moved) == 1 else None
        top = inst.edge_undo[-1] if inst.edge_undo else None
        # the same control again, and nothing done anywhere since (the session's counter has not moved)
        if (top is not None and control is not None and top.control == control and top.after == inst.edge
                and top.seq == self._seq):
            top.after = settings
        else:
            inst.edge_undo.append(EdgeEdit(inst.edge, settings, control, self._next_seq()))
            del inst.edge_undo[:-PROMPT_REDO_LIMIT]
        inst.edge = settings
        inst.edge_redo.clear()
        return True

    def end_edge_step(self, name: str) -> None:
        """The control was let go: its next movement is a step of its own."""
        inst = self.instance(name)
        if inst.edge_undo:
            inst.edge_undo[-1].control = None

    def undo_step(self, name: str) -> str | None:
        """Ctrl+Z for ``name``: its newest change of all (the open round's last prompt, an edge control's movement,
        else its last round) is undone; says which ("prompt", "edge", "round") or None when there is nothing."""
        inst = self.instance(name)
        edge = self._newest_edge(inst)
        if edge is not None:
            inst.edge_redo.append(inst.edge_undo.pop())
            inst.edge = edge.before
            return "edge"
        if inst.pending:
            self.undo_prompt(name)
            return "prompt"
        return "round" if self.undo(name) else None

    def redo_step(self, name: str) -> str | None:
        """Ctrl+Shift+Z: the oldest of the undone steps comes back first, so undo and redo walk one history."""
        inst = self.instance(name)
        candidates = []  # (when it was made, order on a tie: rounds before the prompts on top of them, kind)
        if inst.redo_rounds:
            candidates.append((inst.redo_rounds[-1].seq, 0, "round"))
        if inst.pending_redo:
            candidates.append((inst.pending_redo_seq[-1] if inst.pending_redo_seq else 0, 1, "prompt"))
        if inst.edge_redo:
            candidates.append((inst.edge_redo[-1].seq, 2, "edge"))
        if not candidates:
            return None
        kind = min(candidates)[2]
        if kind == "edge":
            e = inst.edge_redo.pop()
            inst.edge_undo.append(e)
            inst.edge = e.after
        elif kind == "prompt":
            self.redo_prompt(name)
        else:
            self.redo(name)
        return kind

    def _newest_edge(self, inst: Instance) -> EdgeEdit | None:
        """The last edge step of ``inst`` when it is newer than its last pending prompt (else: its last round that can
        be undone), None when that prompt or round is the newer."""
        edge = inst.edge_undo[-1] if inst.edge_undo else None
        other = (inst.pending_seq[-1] if inst.pending_seq else 0) if inst.pending else \
            (inst.rounds[-1].seq if inst.rounds and self.can_undo(inst.name) else None)
        return edge if edge is not None and (other is None or edge.seq > other) else None

    def _new_action(self, inst: Instance) -> int:
        """A prompt or a round was added to ``inst``: what was undone can no longer be redone; its counter value."""
        inst.pending_redo.clear()
        inst.pending_redo_seq.clear()
        inst.edge_redo.clear()
        return self._next_seq()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # ----------------------------------------------------------------- rounds
    def can_undo(self, name: str) -> bool:
        rounds = self.instance(name).rounds
        if not rounds:
            return False
        return len(rounds) == 1 or rounds[-2].packed is not None or rounds[-2].live is not None

    def can_redo(self, name: str) -> bool:
        return bool(self.instance(name).redo_rounds)

    def undo(self, name: str) -> bool:
        inst = self.instance(name)
        if not self.can_undo(name):
            return False
        r = inst.rounds.pop()
        r.release()
        inst.redo_rounds.append(r)
        inst.generation += 1
        # the instances the round created leave with it (those the user removed meanwhile stay removed on redo)
        r.spawned = [s for s in r.spawned if self.instances.get(s.name) is s]
        for s in r.spawned:
            del self.instances[s.name]
            s.generation += 1  # a round of theirs still running is stale
        return True

    def redo(self, name: str) -> bool:
        inst = self.instance(name)
        if not inst.redo_rounds:
            return False
        if inst.rounds:
            inst.rounds[-1].release()
        r = inst.redo_rounds.pop()
        inst.rounds.append(r)
        inst.generation += 1
        for s in r.spawned:
            if s.name in self.instances:  # the name was taken meanwhile
                k = 2
                while f"{s.name} ({k})" in self.instances:
                    k += 1
                s.name = f"{s.name} ({k})"
            self.instances[s.name] = s
        return True


def _move_last(items: list, seqs: list, to_items: list, to_seqs: list) -> Prompt | None:
    """The last prompt of one stack, with when it was made, onto the other; None when the stack is empty."""
    if not items:
        return None
    to_items.append(items.pop())
    to_seqs.append(seqs.pop() if seqs else 0)
    return to_items[-1]
