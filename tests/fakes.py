"""Shared test doubles: a clock that tests move, delegations, and a room driven by commands."""

from __future__ import annotations

from app.category import Category
from app.queue import ClosePhase, Command, Event, OpenSegment, RequestFloor, RoomState, apply
from app.timing.allotment import Speaker
from app.timing.plan import FloorRules
from tests.plans import MS_PHASE, START, action_group


class FakeClock:
    """Tests move time; nothing sleeps."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def state(code: str, name: str | None = None) -> Speaker:
    """A Member State delegation."""
    return Speaker(code, name or code, Category.MEMBER_STATE)


def stakeholder(code: str, category: Category = Category.CIVIL_SOCIETY) -> Speaker:
    return Speaker(code, code, category)


def observer(code: str) -> Speaker:
    return Speaker(code, code, Category.OBSERVER_STATE)


class RoomLog:
    """A room driven command by command, as the runner drives it, keeping every event."""

    def __init__(self, room_id: str = "plenary") -> None:
        self.initial = RoomState(room_id)
        self.state = self.initial
        self.events: list[Event] = []

    def do(self, command: Command, now: float) -> tuple[Event, ...]:
        """Apply ``command`` at ``now``; return its events. A refusal raises, changing nothing."""
        decision = apply(self.state, command, now)
        self.state = decision.state
        self.events.extend(decision.events)
        return decision.events


def rcp_chair(code: str) -> Speaker:
    """A Member State that chairs a regional consultative process (P4: always a Member State)."""
    return Speaker(code, code, Category.MEMBER_STATE)


def names(events: tuple[Event, ...] | list[Event]) -> list[str]:
    """The events' class names, for asserting on a sequence."""
    return [type(event).__name__ for event in events]


FRANCE, PHILIPPINES, GHANA = (
    state("FRA", "France"),
    state("PHL", "Philippines"),
    state("GHA", "Ghana"),
)


def member_state_room(*delegations: Speaker, rules: FloorRules | None = None) -> RoomLog:
    """The action group in its Member State phase; each delegation (France, the
    Philippines and Ghana if none is named) asks, one second apart."""
    log = RoomLog()
    log.do(OpenSegment(action_group(rules=rules)), START)
    log.do(ClosePhase(), MS_PHASE)
    for n, who in enumerate(delegations or (FRANCE, PHILIPPINES, GHANA)):
        log.do(RequestFloor(who), MS_PHASE + n)
    return log


def waiting(log: RoomLog) -> list[str]:
    """The delegations waiting, in queue order."""
    return [r.delegation_id for r in log.state.queue.waiting]
