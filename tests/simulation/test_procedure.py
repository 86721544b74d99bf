"""The simulated room raises points of order, asks for replies, debates pro and contra and
puts questions (O1, O2, O3, O8), as each shipped profile allows; the oracle checks them.

Every profile's segment of the profiles demo, four seeds (``tests.simulation.
test_profiles.played``, as ``floorkeeper simulate`` plays it): what the room did
is read from the recorded events, and records doctored to break a held
speech's seconds, to count a point's time as the speaker's or to take a
request on a closed list must be caught.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from random import Random

from app.category import Category, is_stakeholder
from app.meeting import load_programme_file
from app.queue import events
from app.queue.events import Event
from app.queue.requests import Stance
from app.simulation import Simulation, check_invariants, simulate
from app.timing.allotment import Basis, Speaker, SpeechEnded, SpeechResumed
from app.timing.plan import ContingentExhausted, SegmentPlan
from tests.simulation.test_profiles import PROFILES_DEMO, SEEDS, SEGMENTS, doctored, played

FORMAL = ("ga_plenary", "hrc_interactive_dialogue", "cop_plenary", "model_un", "parliament")


def played_as(plan: SegmentPlan, seed: int) -> Simulation:
    """``plan`` played as ``played`` plays its profile's segment (the same delegations)."""
    programme = load_programme_file(PROFILES_DEMO)
    rows = sorted(programme.delegations, key=lambda d: d.code)
    speakers = [Speaker(d.code, d.names.get("en", d.code), d.category) for d in rows]
    members = [s for s in speakers if s.category is Category.MEMBER_STATE]
    others = [s for s in speakers if s.category is not None and is_stakeholder(s.category)]
    rng = Random(seed)
    return simulate(
        plan,
        member_states=rng.sample(members, 45),
        stakeholders=rng.sample(others, 7),
        seed=seed,
    )


def kinds(profile: str) -> Counter[str]:
    """How many of each event the profile's segment recorded, over the seeds."""
    return Counter(type(e).__name__ for seed in SEEDS for e in played(profile, seed).events)


def with_event(profile: str, kind: type) -> Simulation:
    """The first seed whose run recorded an event of ``kind``."""
    return next(
        played(profile, seed)
        for seed in SEEDS
        if any(isinstance(e, kind) for e in played(profile, seed).events)
    )


def test_O1_every_profile_raises_points_of_order_and_the_chair_rules_on_each() -> None:
    """O1 is every body's: a point of order in each profile, each heard and ruled on."""
    for profile in SEGMENTS:
        counted = kinds(profile)
        assert counted["PointOfOrderRaised"] > 0, profile
        assert counted["PointOfOrderRuled"] == counted["PointOfOrderHeard"], profile
        for seed in SEEDS:
            simulation = played(profile, seed)
            assert check_invariants(simulation) == [], (profile, seed)


def test_O1_a_point_interrupts_where_the_profile_says_and_waits_in_model_un() -> None:
    interrupted = {
        profile: [
            e.interrupted is not None
            for seed in SEEDS
            for e in played(profile, seed).events
            if isinstance(e, events.PointOfOrderHeard)
        ]
        for profile in SEGMENTS
    }
    assert not any(interrupted["model_un"])  # NMUN-style: heard on a free floor only
    assert any(interrupted["cop_plenary"])  # paused and held, then resumed


def test_O2_replies_only_where_the_profile_gives_them_each_within_its_limits() -> None:
    limits = {"ga_plenary": {600.0, 300.0}, "hrc_interactive_dialogue": {180.0, 120.0}}
    for profile in SEGMENTS:
        grants = [
            e.allotment
            for seed in SEEDS
            for e in played(profile, seed).events
            if isinstance(e, events.FloorGranted) and e.allotment.basis is Basis.REPLY
        ]
        if profile not in limits:
            assert kinds(profile)["ReplyRequested"] == 0, profile
            continue
        assert grants, profile
        assert {a.seconds for a in grants} <= limits[profile], profile
        for seed in SEEDS:
            heard = Counter(
                e.speaker.id
                for e in played(profile, seed).events
                if isinstance(e, SpeechEnded) and e.basis is Basis.REPLY
            )
            assert max(heard.values(), default=0) <= 2, (profile, seed)
    assert kinds("hrc_interactive_dialogue")["RepliesCalled"] > 0  # taken when called, too


def test_O8_stances_and_questions_only_where_the_profile_debates_so() -> None:
    for profile in SEGMENTS:
        stances = {
            e.request.stance
            for seed in SEEDS
            for e in played(profile, seed).events
            if isinstance(e, events.FloorRequested)
        }
        counted = kinds(profile)
        if profile == "parliament":
            assert stances == {Stance.PRO, Stance.CONTRA, Stance.NONE}
            assert counted["QuestionConsented"] > 0
            assert counted["QuestionDeclined"] > 0
            assert counted["QuestionEnded"] == counted["QuestionConsented"]
        else:
            assert stances == {Stance.NONE}, profile
            assert counted["InterposedQuestionAsked"] == 0, profile


def test_O3_the_chair_closes_a_debates_list_and_only_its_own_entries_join() -> None:
    for profile in FORMAL:
        assert kinds(profile)["SpeakersListClosed"] > 0, profile
    assert kinds("action_group")["SpeakersListClosed"] == 0  # A1: no list to close
    for seed in SEEDS:
        simulation = played("parliament", seed)
        closed = next(
            (e.at for e in simulation.events if isinstance(e, events.SpeakersListClosed)), None
        )
        if closed is None:
            continue
        late = [
            e.request
            for e in simulation.events
            if isinstance(e, events.FloorRequested) and e.at > closed
        ]
        assert all(r.on_behalf for r in late), seed
        assert any("is closed" in r.detail for r in simulation.refusals), seed


def test_the_procedure_is_reproducible_a_seed_gives_the_same_meeting() -> None:
    first = played("parliament", 0)
    again = played.__wrapped__("parliament", 0)  # not the cached run
    assert again.events == first.events
    assert again.refusals == first.refusals


# -- the oracle can fail on the procedure -------------------------------------------------


def test_O1_the_oracle_catches_a_held_speech_given_back_short() -> None:
    simulation = with_event("cop_plenary", events.PointOfOrderRuled)

    def held(event: Event) -> bool:
        return isinstance(event, events.PointOfOrderRuled) and event.resumed is not None

    def shorter(event: Event) -> Event:
        assert isinstance(event, events.PointOfOrderRuled)
        assert event.resumed is not None
        back = replace(event.resumed, seconds_left=event.resumed.seconds_left - 10)
        return replace(event, resumed=back)

    violations = check_invariants(doctored(simulation, held, shorter))
    assert any("not back as it was held" in v for v in violations), violations


def test_O1_O8_the_oracle_catches_a_speech_resumed_with_other_seconds() -> None:
    for profile in ("cop_plenary", "parliament"):
        simulation = with_event(profile, SpeechResumed)

        def later(event: Event) -> Event:
            assert isinstance(event, SpeechResumed)
            return replace(event, ends_at=event.ends_at + 5)

        resumed = doctored(simulation, lambda e: isinstance(e, SpeechResumed), later)
        violations = check_invariants(resumed)
        assert any("a held speech resumed with" in v for v in violations), (profile, violations)


def test_O1_the_oracle_catches_a_points_time_counted_as_the_speakers() -> None:
    simulation = with_event("cop_plenary", SpeechResumed)
    events_ = list(simulation.events)
    ruled = next(e for e in events_ if isinstance(e, events.PointOfOrderRuled))
    after = events_.index(ruled)

    def counted(event: Event) -> Event:
        assert isinstance(event, SpeechEnded)
        return replace(event, spoken=event.spoken + ruled.spoken)

    def held_speech_ends(event: Event) -> bool:
        return (
            isinstance(event, SpeechEnded)
            and events_.index(event) > after
            and ruled.resumed is not None
            and event.speaker.id == ruled.resumed.speaker.id
        )

    violations = check_invariants(doctored(simulation, held_speech_ends, counted))
    assert any("a point's or a question's time is not the speaker's" in v for v in violations)


def test_O3_the_oracle_catches_a_delegations_own_request_on_a_closed_list() -> None:
    simulation = played("ga_plenary")
    events_ = list(simulation.events)
    own = next(
        e for e in events_ if isinstance(e, events.FloorRequested) and not e.request.on_behalf
    )
    at = events_.index(own)
    events_.insert(at, events.SpeakersListClosed(own.at, "debate"))  # the debate's list
    violations = check_invariants(replace(simulation, events=tuple(events_)))
    assert any("O3: " in v and "closed" in v for v in violations), violations


# -- contingents (O9) with the procedure on the floor ---------------------------------------


def test_O9_a_groups_contingent_is_drawn_by_its_speeches_never_by_points_or_questions() -> None:
    for seed in SEEDS:
        simulation = played("parliament", seed)
        spoken: dict[str, float] = defaultdict(float)
        for e in simulation.events:
            if isinstance(e, SpeechEnded) and e.request_id is not None:
                spoken[e.speaker.id] += e.spoken
        drawn: dict[str, float] = defaultdict(float)
        for e in simulation.events:
            if isinstance(e, events.ContingentDrawn):
                drawn[e.delegation_id] += e.seconds
        assert drawn, seed
        assert all(abs(drawn[d] - spoken[d]) < 1e-6 for d in drawn), seed
        assert kinds("parliament")["ContingentWarned"] > 0


def test_O9_a_profile_that_refuses_caps_or_refuses_and_never_goes_below_zero_unwarned() -> None:
    """The parliament's plan with ``refuse``: grants are capped at what a group has left,
    refused when nothing is; the oracle finds nothing, and no group goes below zero
    without its warning."""
    warned = played("parliament", 0)
    rules = replace(warned.plan.rules, contingent_exhausted=ContingentExhausted.REFUSE)
    simulation = played_as(replace(warned.plan, rules=rules), 0)

    assert check_invariants(simulation) == []
    capped = [
        e.allotment
        for e in simulation.events
        if isinstance(e, events.FloorGranted) and e.allotment.basis is Basis.CONTINGENT
    ]
    refused = [r for r in simulation.refusals if r.command == "GrantFloor"]
    assert capped or refused
    unwarned = [
        e for e in simulation.events if isinstance(e, events.ContingentDrawn) and e.left < 0
    ]
    for e in unwarned:  # overtime past a capped allotment: warned at once (the oracle's check)
        after = simulation.events[simulation.events.index(e) + 1]
        assert isinstance(after, events.ContingentWarned)


def test_O9_the_oracle_catches_a_simulated_overdraw_left_unwarned() -> None:
    simulation = played("parliament", 0)
    overdrawn = next(
        e
        for e in simulation.events
        if isinstance(e, events.ContingentWarned) and e.reason == "overdrawn"
    )
    events_ = tuple(e for e in simulation.events if e is not overdrawn)
    violations = check_invariants(replace(simulation, events=events_))
    assert any("below zero without a warning" in v for v in violations), violations


def test_O2_R4_the_summary_counts_replies_apart_from_the_speeches_heard() -> None:
    for seed in SEEDS:
        simulation = played("hrc_interactive_dialogue", seed)
        summary, timeline = simulation.summary, simulation.timeline
        replies = [i for i in timeline if i.reply and i.heard]
        speeches = [i for i in timeline if not i.reply and i.heard]
        assert summary.procedure["replies_heard"] == len(replies), seed
        assert sum(summary.heard.values()) == len(speeches), seed
        assert summary.spoken_seconds == sum(i.spoken for i in speeches), seed
    assert any(
        played("hrc_interactive_dialogue", s).summary.procedure["replies_heard"] for s in SEEDS
    )
