"""Time contingents (O9): a group's time budget, drawn down by its members' speeches.

Theory of operation
-------------------
The meeting's rules (``FloorRules.contingents``) give a group (political or
regional) a budget of seconds for a segment or for the meeting (every
segment of the room), and name its members (delegation codes): all data, no
group is known to the code. ``Queue.drawn`` is the ledger: the seconds each
group's members have spoken (``Drawn``). A group's seconds left are its
budget minus what is drawn (``left``), the figure the console shows.

* Draw-down: when a member's speech ends (``SpeechEnded``, heard), its spoken
  seconds are drawn from each of its groups (``ContingentDrawn``); a point of
  order (O1) is procedural and draws nothing; a right of reply (O2) is a
  speech and draws. A draw that leaves a group below zero (overtime) is
  announced at once (``ContingentWarned``, ``OVERDRAWN``): a contingent never
  goes below zero without a warning or a refusal.
* At a grant: a member given the floor (from the queue) whose group has less
  left than the allotment meets the profile's ``contingent_exhausted``:
  ``warn``, the grant proceeds with its full allotment and a
  ``ContingentWarned`` (``SHORT``) records it (the chair decides, the console
  shows it); ``refuse``, a group with nothing left is refused
  (``contingent.exhausted``), one with less than the allotment gets what is
  left (basis ``CONTINGENT``, its T5 warning no longer than it). The
  moderator's own allotment meets the same; a reply's grant (O2) keeps its
  limit and is not checked, but its speech draws like any other.
* A segment's ledger starts afresh when a segment opens; a meeting's is kept
  (``kept``). The ledger is in the queue, so an undo (M3) that brings a
  speech back brings its group's seconds back with it.

Rules: O9 (with O1, O2, M3). Pure: no I/O; time is an argument (UTC epoch seconds).
"""

from __future__ import annotations

from dataclasses import replace

from app.errors import FloorRuleRefused
from app.queue.events import ContingentDrawn, ContingentShort, ContingentWarned
from app.queue.requests import Drawn
from app.timing.allotment import Allotment, Basis, SpeechEnded
from app.timing.plan import Contingent, ContingentExhausted, ContingentPer, FloorRules


def drawn_of(drawn: tuple[Drawn, ...], contingent: Contingent) -> float:
    """What the contingent's members have spoken so far."""
    return sum(d.seconds for d in drawn if (d.group, d.per) == (contingent.group, contingent.per))


def left(rules: FloorRules, drawn: tuple[Drawn, ...]) -> tuple[tuple[str, float], ...]:
    """O9: each group's seconds left (negative: overdrawn, always with a warning)."""
    return tuple((c.group, c.seconds - drawn_of(drawn, c)) for c in rules.contingents)


def groups_of(rules: FloorRules, delegation_id: str) -> tuple[Contingent, ...]:
    """The contingents a delegation draws from."""
    return tuple(c for c in rules.contingents if delegation_id in c.members)


def kept(drawn: tuple[Drawn, ...]) -> tuple[Drawn, ...]:
    """What a new segment keeps of the ledger: the meeting's contingents."""
    return tuple(d for d in drawn if d.per is ContingentPer.MEETING)


def add(
    drawn: tuple[Drawn, ...], group: str, per: ContingentPer, seconds: float
) -> tuple[Drawn, ...]:
    """The ledger after a draw of ``seconds`` from ``group``."""
    for index, entry in enumerate(drawn):
        if (entry.group, entry.per) == (group, per):
            changed = replace(entry, seconds=entry.seconds + seconds)
            return (*drawn[:index], changed, *drawn[index + 1 :])
    return (*drawn, Drawn(group, per, seconds))


def at_grant(
    rules: FloorRules, drawn: tuple[Drawn, ...], allotment: Allotment, now: float
) -> tuple[Allotment, tuple[ContingentWarned, ...]]:
    """O9: the allotment a member of a group short of time gets, and the warnings.

    Raises ``FloorRuleRefused`` (``contingent.exhausted``) when the profile refuses
    and a group of the speaker has nothing left."""
    who = allotment.speaker
    warnings: list[ContingentWarned] = []
    for contingent in groups_of(rules, who.id):
        remaining = contingent.seconds - drawn_of(drawn, contingent)
        needed = allotment.seconds
        if remaining >= needed:
            continue
        if rules.contingent_exhausted is ContingentExhausted.WARN:
            short = ContingentShort.SHORT
            warnings.append(
                ContingentWarned(now, contingent.group, who.id, remaining, needed, short)
            )
        elif remaining <= 0:
            raise FloorRuleRefused(
                "contingent.exhausted",
                speaker=who.name,
                speaker_code=who.id,
                group=contingent.group,
                seconds=f"{max(remaining, 0.0):g}",
            )
        else:  # refuse: what is left, never more; the wrap-up warning within it (T5)
            warning = min(allotment.warning_seconds, remaining)
            allotment = replace(
                allotment,
                seconds=remaining,
                seconds_left=remaining,
                basis=Basis.CONTINGENT,
                warning_seconds=warning,
            )
    return allotment, tuple(warnings)


def at_end(
    rules: FloorRules, drawn: tuple[Drawn, ...], ended: SpeechEnded
) -> tuple[ContingentDrawn | ContingentWarned, ...]:
    """O9: the draw-down of a member's speech, and a warning for each group overdrawn."""
    if not ended.heard or ended.basis is Basis.POINT_OF_ORDER or ended.spoken <= 0:
        return ()
    events: list[ContingentDrawn | ContingentWarned] = []
    who = ended.speaker.id
    for contingent in groups_of(rules, who):
        after = contingent.seconds - drawn_of(drawn, contingent) - ended.spoken
        events.append(
            ContingentDrawn(ended.at, contingent.group, contingent.per, who, ended.spoken, after)
        )
        if after < 0:
            short = ContingentShort.OVERDRAWN
            events.append(
                ContingentWarned(ended.at, contingent.group, who, after, ended.spoken, short)
            )
    return tuple(events)
