"""What a screen sees of Model UN (O11): every view's ``caucus`` and ``yielded`` keys.

``caucus`` is the moderated caucus running: its topic, its total and its time
per speaker, and its deadline (``ends_at``: the total left is ``ends_at - now``,
a screen computes it with its clock offset; a view never carries a ticking
number, T6). ``yielded`` is the yield of the speech on the floor: its kind, who
yielded to whom, and the budget left as a clock, as a speech's (``ends_at``
while it runs, ``seconds_left`` while it waits). Both are null when there is
none; every role sees them (a phone, the wall and the podium say a caucus runs
or a speaker yielded).
"""

from __future__ import annotations

from typing import Any

from app.queue import RoomState
from app.timing.allotment import Basis, Speaker, SpeechStatus


def caucus_view(state: RoomState) -> dict[str, Any] | None:
    """O11: the moderated caucus running: its topic, its total and its time per speaker
    (seconds), its deadline (``ends_at``; a screen shows ``ends_at - now`` left, never a
    ticking number), how many the chair called and the seconds they have spoken."""
    caucus = state.queue.caucus
    if caucus is None:
        return None
    return {
        "topic": caucus.topic,
        "seconds": caucus.seconds,
        "speaker_seconds": caucus.speaker_seconds,
        "opened_at": caucus.opened_at,
        "ends_at": caucus.ends_at,
        "speakers": caucus.speakers,
        "spoken": caucus.spoken,
    }


def yield_view(state: RoomState) -> dict[str, Any] | None:
    """O11: the yield of the speech on the floor: its ``kind``, who yielded (``by``) and
    to whom (``to``, a yield to a delegate), the ``seconds`` yielded and, after a yield to
    questions, the seconds the questioners took (``asked``) and how many were called. The
    budget left is a clock, as a speech's: ``ends_at`` while it runs, ``seconds_left``
    while it waits; it is the clock on the floor (the delegate's speech, the speaker's
    answers or a questioner's question), the held speech's while a point of order is
    heard."""
    yielded, on_floor = state.queue.yielded, state.speech
    if yielded is None or on_floor is None:
        return None
    clock = state.held if on_floor.basis is Basis.POINT_OF_ORDER else on_floor
    assert clock is not None  # a point of order heard during a yield holds its speech
    running = clock.status is SpeechStatus.RUNNING
    return {
        "kind": yielded.kind.value,
        "by": _speaker(yielded.by),
        "to": _speaker(yielded.to) if yielded.to is not None else None,
        "seconds": yielded.seconds,
        "asked": yielded.asked,
        "questioners": yielded.questioners,
        "ends_at": clock.ends_at if running else None,
        "seconds_left": None if running else clock.seconds_left,
    }


def _speaker(who: Speaker) -> dict[str, Any]:
    return {"id": who.id, "name": who.name}
