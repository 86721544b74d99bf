"""One runner per room: the only code that reads the clock, waits, or saves (S7).

For every command, in this order: serialise (one command at a time per
room); then, in one trip to the store's worker thread, apply the engine and
commit the new state with its events and the command id in one transaction
checked against the version it read (retrying on conflict from the stored
state), where the command id's key turns a retry into its first answer;
publish only after the commit.

The scheduler sleeps until the engine's next deadline, or until a command
changes it, and then submits a ``Tick`` whose id is derived from the
deadline: a double fire is harmless. Nothing polls, with one process.

With several processes (a ``Holder``, ``app.room.lease``), every process
follows every room, but only the one holding the room's lease in the
database ticks: each round of the scheduler first renews the lease when a
renewal is due (every third of its length, on the runner's clock), and the
others try at the same interval, taking the room over once the lease has
expired. A process that takes a room over reloads it from the database
before it ticks, and logs it ("took the scheduler lease of room N"). The
lease is released when the scheduler stops (a clean shutdown), so that a
restart takes the room at once.

On PostgreSQL, the store decides under a lock on the room's row on the
state it reads there (``RoomStore.record``): when that is newer than the
runner's (another process wrote), the runner takes it as the base of the
change it publishes.

A room's commands wait for its lock at most ``max_waiting`` deep: one more is
answered ``RoomBusy`` (503) at once. A command that meets a database fault
(``DatabaseUnavailable``, 503: nothing saved) also answers the commands that
were already waiting behind it, without another trip: each would wait out the
same busy timeout in turn. So no command waits much more than one busy
timeout, and the pages' retries (same command ids) find the database again.

The module is longer than 400 lines on purpose: a room's serialisation, its
live views, following other processes and its scheduler with the lease all
change ``state``, ``version`` and the live views under one lock; split, each
part would reach into the others' fields.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from contextlib import suppress

import anyio
from anyio import to_thread

from app.access.roles import Role
from app.config import Settings
from app.errors import DatabaseUnavailable, RoomBusy, VersionConflict
from app.live import protocol
from app.live.hub import Change, RoomHub
from app.live.view import LIVE_VIEWS, room_view, room_views, view_role
from app.queue import Command, Decision, RoomState, Tick, apply, next_deadline
from app.queue.projection import Projection, project
from app.room.audit import SCHEDULER, Sender
from app.room.fingerprint import fingerprint
from app.room.lease import Holder
from app.room.store import CommandAck, CommandAttempt, RoomStore

log = logging.getLogger(__name__)


def runner_for(
    room_id: int,
    store: RoomStore,
    now: Callable[[], float],
    settings: Settings,
    holder: Holder | None = None,
) -> RoomRunner:
    """A room's runner as the settings configure it (start-up and new meetings alike);
    ``holder``: this process's side of the scheduler leases (several processes)."""
    hub = RoomHub(max_backlog=settings.max_backlog_per_screen)
    return RoomRunner(
        room_id,
        store,
        now,
        hub=hub,
        retries=settings.command_retries,
        max_waiting=settings.room_max_waiting,
        holder=holder,
    )


class RoomRunner:
    def __init__(
        self,
        room_id: int,
        store: RoomStore,
        now: Callable[[], float],
        hub: RoomHub | None = None,
        retries: int = 5,
        max_waiting: int = 32,
        holder: Holder | None = None,
    ) -> None:
        self.room_id = room_id
        self.hub = hub if hub is not None else RoomHub()  # an empty hub is falsy (len 0)
        self._store = store
        self._now = now
        self._retries = retries
        self._lock = asyncio.Lock()
        self._max_waiting = max_waiting
        self._waiting = 0  # commands waiting for the lock (not the one holding it)
        self._arrivals = 0  # commands that have asked for the lock, ever: their tickets
        # The last database fault met (detail, retry after), and the first ticket it does not
        # answer: the commands with tickets before it waited behind the command that met it.
        self._fault: DatabaseUnavailable | None = None
        self._fault_before = 0
        self._rescheduled = asyncio.Event()
        self.state: RoomState = RoomState(str(room_id))
        self.version = 0
        # What the live screens hold: each view as published at `version` (S9).
        self._live: dict[Role, dict[str, object]] = {}
        self._live_at = now()
        self._steady_until: float | None = None  # M7: the live views' estimates hold until
        self._ahead = False  # `state` is past `version` (`follow`): render no live view from it
        # Set with REDIS_URL (app/live/relay.py): each committed change, for the other processes.
        self.relay: Callable[[int, Change], None] | None = None
        # The scheduler's lease (several processes): held until, and when to renew or try again.
        self._holder = holder
        self._lease_until = -math.inf
        self._lease_check_at = -math.inf
        self._unfollowed: int | None = None  # a version the holder saw stored, not followed

    async def load(self) -> None:
        """Read the room's state from the database (start-up, or after a conflict)."""
        before = self.version
        self.state, self.version = await to_thread.run_sync(self._store.load, self.room_id)
        self._ahead = False
        self._live_at = self._now()
        self._live = self._render_live(self._live_at)
        if self.version != before and len(self.hub):
            self.hub.resync_all()  # their copies no longer lead to this state by patches
        self._rescheduled.set()

    def now(self) -> float:
        return self._now()

    async def handle(
        self,
        command: Command,
        command_id: str,
        *,
        sender: Sender,
        as_sent: Command | None = None,
    ) -> CommandAck:
        """Apply ``command`` once, whatever the retries (idempotent by ``command_id``).

        The engine decides and the outcome is committed, or the first answer
        to a retried id returned, in one trip to the store's thread
        (``RoomStore.record``); the room's lock keeps ``self.state`` still
        meanwhile. ``sender`` is who sent it, for the audit trail. ``as_sent``
        is the command as the client sent it when the shell filled in part of
        it (a seed it chose, O6): the id is bound to that (M6), so that a
        retry, which the shell fills in anew, is still the same command.
        """
        if self._waiting >= self._max_waiting:
            raise RoomBusy("room.busy", retry_after=1, count=self._waiting)
        ticket = self._arrivals
        self._arrivals += 1
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._fault is not None and ticket < self._fault_before:
                raise self._fault.again()  # it waited behind the fault: no second trip
            try:
                return await self._handle(command, command_id, sender, as_sent or command)
            except DatabaseUnavailable as error:
                self._fault = error
                self._fault_before = self._arrivals  # those waiting now waited behind it
                raise
        finally:
            self._lock.release()

    async def _handle(
        self, command: Command, command_id: str, sender: Sender, as_sent: Command
    ) -> CommandAck:
        kind, bound_to = type(command).__name__, fingerprint(as_sent)
        for _ in range(self._retries):
            now = self._now()
            attempt = CommandAttempt(
                self.room_id, self.version, self.state, command_id, kind, now, sender, bound_to
            )
            decide = _Decide(command, now)
            try:
                ack, decision = await to_thread.run_sync(self._store.record, attempt, decide)
            except VersionConflict:
                await self.load()  # another process wrote: decide again on its state
                continue
            if decision is None:
                return ack  # answered before, or a tick with nothing due
            base = decide.on
            if base is not None and base is not self.state:  # a newer state, read by the store
                self._rebase(base, ack.version - (1 if decision.events else 0))
            if decision.events:  # the change is patched onto each view shown, as it was held
                for role in self._shown():
                    self._held(role)
            self.state, self.version, self._ahead = decision.state, ack.version, False
            if decision.events:
                self._publish(ack)
            self._rescheduled.set()
            return ack
        raise VersionConflict("room.too_busy", room=self.room_id)

    def _rebase(self, state: RoomState, version: int) -> None:
        """The store read ``state`` at ``version`` under the room's lock, newer than ours
        (another process wrote): it is what the change is published as a patch of."""
        self.state, self.version, self._ahead = state, version, False
        self._live_at = self._now()
        self._live = self._render_live(self._live_at)
        if len(self.hub):
            self.hub.resync_all()  # they missed what the other process wrote

    def view(self, role: Role) -> dict[str, object]:
        return room_view(self.state, self.version, self._now(), role)

    def live_view(self, role: Role) -> tuple[int, float, dict[str, object]]:
        """The view the live screens of ``role`` hold: (version, rendered at, room).

        It is the view published with the last change, not a fresh render, so
        that a snapshot and the patches that follow it add up exactly; unless
        its estimates have moved with the clock since (a speaker in overtime,
        a free floor: M7), when the view is rendered again at ``now``, so that
        no estimate in it is before the snapshot's ``server_time``.
        """
        now, view = self._now(), view_role(role)
        steady = self._steady_until is not None and now <= self._steady_until
        if self.state.segment is None or now <= self._live_at or steady or self._ahead:
            return self.version, self._live_at, self._held(view)
        return self.version, now, self._render(view, now, project(self.state, now))

    def _held(self, view: Role) -> dict[str, object]:
        """The live view of ``view``; one that no screen showed at the last change was not
        rendered then, and is now, as it would have been (same state, same time)."""
        live = self._live.get(view)
        if live is None:
            at = self._live_at
            live = self._live[view] = self._render(view, at, project(self.state, at))
        return live

    def _shown(self) -> tuple[Role, ...]:
        """The views to render a change in: those a screen here shows, and all of them
        when a relay carries the change to the other processes' screens."""
        if self.relay is not None:
            return LIVE_VIEWS
        return tuple(role for role in LIVE_VIEWS if self.hub.shows(role))

    def _render_live(self, now: float) -> dict[Role, dict[str, object]]:
        projection = project(self.state, now)  # one walk of the queue for all the views
        self._steady_until = projection.steady_until
        views = room_views(self.state, self.version, now, self._shown(), projection)
        for room in views.values():
            del room["version"], room["server_time"]  # carried by the message itself
        return views

    def _render(self, role: Role, now: float, projection: Projection) -> dict[str, object]:
        room = room_view(self.state, self.version, now, role, projection)
        del room["version"], room["server_time"]  # carried by the message itself
        return room

    def _publish(self, ack: CommandAck) -> None:
        """Render the change once per view shown, as a patch of the last one, and fan it out.

        Each view shown is held (``_held``, before the state changed): a screen
        that joined since the last change, not yet sent the room, is patched
        from its view as it was.
        """
        now = self._now()
        views = self._render_live(now)
        texts = {
            role: protocol.change(
                ack.version, now, ack.events, protocol.diff(self._live[role], room)
            )
            for role, room in views.items()
        }
        self._live, self._live_at = views, now
        change = Change(ack.version, texts)
        self.hub.publish(change)
        if self.relay is not None:
            self.relay(self.room_id, change)

    async def follow(self, change: Change) -> None:
        """Another process committed ``change``: take it in order, or reload on a gap.

        In order, the screens get it as its process rendered it, and the live
        views become that process's (the change's patches merged in), so that
        a snapshot here and the patches after it add up exactly. The database
        may already be past it (the next changes are on their way): the
        state read is then ahead of ``version`` (``_ahead``) until they come,
        which a command here meets as a conflict and the scheduler as an
        early tick, both harmless, and the live views are not rendered from it.
        """
        async with self._lock:
            if change.version <= self.version:
                return  # this process has it already (it reloaded past it)
            if not change.texts:  # the lease holder's word: a change no relay carried
                await self.load()
                return
            state, version = await to_thread.run_sync(self._store.load, self.room_id)
            in_order = change.version == self.version + 1 and version >= change.version
            if in_order and not self._ahead:
                for role in LIVE_VIEWS:  # the change is patches of all of them
                    self._held(role)
            if not (in_order and len(self._live) == len(LIVE_VIEWS)):
                self.state, self.version, self._ahead = state, version, False
                self._live_at = self._now()
                self._live = self._render_live(self._live_at)
                self.hub.resync_all()  # a version missed: every screen from the database
            else:
                self.state, self.version = state, change.version
                self._ahead = version != change.version
                self._live_at, self._live = _published(change, self._live)
                steady = next(iter(self._live.values())).get("steady_until")
                self._steady_until = float(steady) if isinstance(steady, int | float) else None
                self.hub.publish(change)
            self._rescheduled.set()

    async def catch_up(self) -> None:
        """The relay reconnected: whatever was missed meanwhile, from the database."""
        async with self._lock:
            await self.load()

    def wake(self) -> None:
        """Re-read the deadline (tests call it after moving a fake clock)."""
        self._rescheduled.set()

    @property
    def holds_lease(self) -> bool:
        """Whether this process schedules the room: it holds the lease (always, alone)."""
        return self._holder is None or self._now() < self._lease_until

    async def run_scheduler(self) -> None:
        """Sleep until the next deadline, then Tick; forever, never crashing the room.

        With a holder, the lease is renewed, or tried, between ticks, and
        released when the scheduler is stopped.
        """
        try:
            while True:
                try:
                    wake_at = await self.scheduler_round()
                except DatabaseUnavailable as fault:  # logged where it was met: try again soon
                    log.warning("tick postponed in room %s: %s", self.room_id, fault.detail)
                    await asyncio.sleep(1.0)
                    continue
                except Exception:  # a failing tick must not stop the clock of the room
                    log.exception("tick failed in room %s", self.room_id)
                    await asyncio.sleep(1.0)
                    continue
                delay = None if wake_at is None else max(0.0, wake_at - self._now())
                self._rescheduled.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._rescheduled.wait(), delay)
        finally:
            with anyio.CancelScope(shield=True):
                await self._release_lease()

    async def scheduler_round(self) -> float | None:
        """One round of the scheduler: keep the lease (if due), then tick if a deadline is
        due and this process holds the room. Returns when to come back, on the runner's
        clock (None: only a command changes anything)."""
        holder = self._holder
        if holder is not None and self._now() >= self._lease_check_at:
            await self._keep_lease(holder)
        deadline = next_deadline(self.state) if self.holds_lease else None
        if deadline is not None and deadline <= self._now():
            tick_id = f"tick:{self.room_id}:{deadline:.3f}"
            await self.handle(Tick(), command_id=tick_id, sender=SCHEDULER)
            deadline = next_deadline(self.state) if self.holds_lease else None
        if holder is None:
            return deadline
        return self._lease_check_at if deadline is None else min(deadline, self._lease_check_at)

    async def _keep_lease(self, holder: Holder) -> None:
        """Renew the room's lease, or take it if it expired; a taken room is reloaded first."""
        now = self._now()
        held = now < self._lease_until
        self._lease_check_at = now + holder.renew_every
        try:
            took = await to_thread.run_sync(
                holder.leases.acquire_or_renew, self.room_id, holder.name, now, holder.seconds
            )
        except DatabaseUnavailable as fault:  # held until it expires; tried again next round
            log.warning("scheduler lease of room %s not renewed: %s", self.room_id, fault.detail)
            return
        if not took:
            if held:
                log.warning("lost the scheduler lease of room %s", self.room_id)
            self._lease_until = -math.inf
            return
        self._lease_until = now + holder.seconds
        if not held:
            log.info("took the scheduler lease of room %s (%s)", self.room_id, holder.name)
            async with self._lock:
                await self.load()  # what the previous holder did meanwhile
            self._unfollowed = None
            return
        await self._watch_unrelayed()

    async def _watch_unrelayed(self) -> None:
        """The holder's watch for a change that no relay carried: its process died between
        the commit and the publish. A version stored at one renewal and still not followed
        at the next is read from the database here (its screens resync), and the other
        processes are told to read it too (a change with no texts: ``follow``)."""
        try:
            stored = await to_thread.run_sync(self._store.version, self.room_id)
        except DatabaseUnavailable:
            return  # the next renewal looks again
        if stored <= self.version:
            self._unfollowed = None
            return
        if self._unfollowed is None or self.version >= self._unfollowed:
            self._unfollowed = stored  # maybe on its way through the relay: next round
            return
        log.warning("room %s: version %s was never relayed; reloading it", self.room_id, stored)
        async with self._lock:
            await self.load()
        self._unfollowed = None
        if self.relay is not None:
            self.relay(self.room_id, Change(self.version, {}))

    async def _release_lease(self) -> None:
        holder = self._holder
        if holder is None or self._lease_until == -math.inf:
            return
        self._lease_until = -math.inf
        try:
            await to_thread.run_sync(holder.leases.release, self.room_id, holder.name)
        except DatabaseUnavailable as fault:  # it expires on its own
            log.warning("scheduler lease of room %s not released: %s", self.room_id, fault.detail)


class _Decide:
    """The engine's call for one attempt, on the state the store hands it, which it keeps
    (``on``): the runner's own, or a newer one read under the room's lock (PostgreSQL)."""

    __slots__ = ("command", "now", "on")

    def __init__(self, command: Command, now: float) -> None:
        self.command, self.now = command, now
        self.on: RoomState | None = None

    def __call__(self, state: RoomState) -> Decision | None:
        self.on = state
        return _decide(state, self.command, self.now)


def _published(
    change: Change, live: dict[Role, dict[str, object]]
) -> tuple[float, dict[Role, dict[str, object]]]:
    """The live views as ``change``'s process published them: (rendered at, view per role)."""
    at = 0.0
    views: dict[Role, dict[str, object]] = {}
    for role in LIVE_VIEWS:
        message = json.loads(change.texts[role])
        at = message["at"]
        views[role] = protocol.merge(live[role], message["room"])
    return at, views


def _decide(state: RoomState, command: Command, now: float) -> Decision | None:
    """The engine's decision (DomainError: refused, nothing saved); None: an empty tick."""
    decision = apply(state, command, now)
    if not decision.events and isinstance(command, Tick):
        return None
    return decision
