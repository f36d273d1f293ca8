"""Group commit: the atomic writes of concurrent units of work in one instance, sent to
Firestore as one commit while the previous one is in flight.

A unit of work's writes stay one atomic unit (all applied or none) and keep their own
preconditions; grouping only puts several such units in the same commit request. The
first caller to find no commit in flight leads: it takes every unit waiting (up to
``max_writes``, never two writes to one document), commits them and wakes their callers.
A caller that arrives while a commit is in flight waits for the next one, so nothing
waits for a timer: alone, a unit commits at once, exactly as before; under load, N
requests cost one round trip and one commit instead of N (docs/benchmarks.md).

When a grouped commit is refused for a reason that means nothing was written (a lost
precondition, an existing document, an invalid write), each unit of the group is
committed again alone, so each caller gets its own outcome: one duplicate delivery never
fails the complaints it happened to travel with. Any other failure (a timeout, an
unavailable backend: the outcome is unknown) is raised to every caller of the group, as
their own commit's failure would have been.

Only units made of creates and deletes are grouped: new cases, their delivery keys,
timeline entries and events, and the outbox deletes after a publish (intake's whole path).
A unit with an update (a state change over a version read, a moved cursor) commits alone,
as before: on the emulator a grouped commit holding two such preconditioned updates
stalled until its deadline (seen with four concurrent escalation ticks), and state changes
are not where the requests pile up."""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.adapters.firestore_encoding import stage_create

GROUPED = frozenset({"create", "delete"})  # the kinds of write a unit may share a commit with
NOTHING_WRITTEN = (gexc.FailedPrecondition, gexc.AlreadyExists, gexc.Conflict, gexc.Aborted, gexc.NotFound,
                   gexc.InvalidArgument)


@dataclass(frozen=True)
class Write:
    """One document write of a unit of work, as data (so a group can batch many units)."""
    kind: Literal["create", "set", "update", "delete"]
    ref: Any  # a DocumentReference
    data: dict[str, Any] | None = None
    option: Any = None


@dataclass
class _Unit:
    writes: Sequence[Write]
    paths: frozenset[str]
    done: bool = False
    results: list[Any] = field(default_factory=list)
    error: BaseException | None = None


def _stage(batch: Any, write: Write) -> None:
    if write.kind == "create":
        if not stage_create(batch, write.ref, write.data or {}):
            batch.create(write.ref, write.data)
    elif write.kind == "set":
        batch.set(write.ref, write.data)
    elif write.kind == "update":
        batch.update(write.ref, write.data, option=write.option)
    else:
        batch.delete(write.ref, option=write.option)


class GroupCommit:
    """One per Firestore client and instance; thread-safe. ``commits`` counts requests sent."""

    def __init__(self, client: firestore.Client, *, max_writes: int = 100):
        self._db, self._max_writes = client, max_writes
        self._lock = threading.Condition()
        self._waiting: list[_Unit] = []
        self._leading = False
        self.commits = self.grouped = 0

    def commit(self, writes: Sequence[Write]) -> list[Any]:
        """Commits ``writes`` atomically (possibly beside other units); returns their WriteResults in order."""
        if any(write.kind not in GROUPED for write in writes):
            return self._send(writes)  # an update's precondition: alone (see the module's docstring)
        unit = _Unit(writes, frozenset(w.ref._document_path for w in writes))
        with self._lock:
            self._waiting.append(unit)
            while not unit.done:
                if self._leading:
                    self._lock.wait()
                    continue
                self._leading = True
                group = self._take()
                self._lock.release()
                try:
                    self._commit_group(group)
                finally:
                    self._lock.acquire()
                    self._leading = False
                    self._lock.notify_all()
        if unit.error is not None:
            raise unit.error
        return unit.results

    def _take(self) -> list[_Unit]:
        """The units waiting, oldest first, that fit one commit and touch distinct documents."""
        group: list[_Unit] = []
        paths: set[str] = set()
        count = 0
        for unit in self._waiting:
            if group and (count + len(unit.writes) > self._max_writes or paths & unit.paths):
                continue
            group.append(unit)
            paths |= unit.paths
            count += len(unit.writes)
        self._waiting = [unit for unit in self._waiting if unit not in group]
        return group

    def _send(self, writes: Sequence[Write]) -> list[Any]:
        batch = self._db.batch()
        for write in writes:
            _stage(batch, write)
        self.commits += 1
        return list(batch.commit())

    def _commit_group(self, group: list[_Unit]) -> None:
        try:
            if len(group) == 1:
                self._alone(group[0])
                return
            try:
                results = self._send([w for unit in group for w in unit.writes])
            except NOTHING_WRITTEN:  # one unit's precondition (or size) failed: each on its own
                for unit in group:
                    self._alone(unit)
                return
            except Exception as exc:  # outcome unknown: each caller sees the failure its own commit would
                for unit in group:
                    unit.error = exc
                return
            self.grouped += len(group)
            start = 0
            for unit in group:
                unit.results = results[start:start + len(unit.writes)]
                start += len(unit.writes)
        finally:
            for unit in group:
                unit.done = True

    def _alone(self, unit: _Unit) -> None:
        try:
            unit.results = self._send(unit.writes)
        except Exception as exc:
            unit.error = exc
