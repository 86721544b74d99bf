"""M6: a command id is bound to its command's digest, the same in every process."""

from __future__ import annotations

from dataclasses import replace

from app.category import Category
from app.queue import OpenSegment, RequestFloor
from app.room.fingerprint import fingerprint
from app.timing import ExtendSpeech, StartSpeech
from tests.fakes import state
from tests.plans import action_group


def test_M6_the_same_command_has_the_same_fingerprint() -> None:
    assert fingerprint(ExtendSpeech(30)) == fingerprint(ExtendSpeech(30.0))
    assert fingerprint(RequestFloor(state("MEX"))) == fingerprint(RequestFloor(state("MEX")))


def test_M6_another_kind_target_or_body_has_another_fingerprint() -> None:
    prints = {
        fingerprint(ExtendSpeech(30)),
        fingerprint(ExtendSpeech(60)),
        fingerprint(ExtendSpeech(30, expected_speaker="MEX")),
        fingerprint(StartSpeech()),
        fingerprint(RequestFloor(state("MEX"))),
        fingerprint(RequestFloor(state("GHA"))),
        fingerprint(RequestFloor(state("MEX"), on_behalf=True)),
    }
    assert len(prints) == 7


def test_M6_a_set_in_the_command_does_not_make_the_fingerprint_depend_on_its_order() -> None:
    """Set order differs between processes; a retry after a restart is the same command."""
    plan = action_group()
    phase = plan.phases[1]
    one = frozenset([Category.MEMBER_STATE, Category.OBSERVER_STATE, Category.UN_SYSTEM])
    other = frozenset([Category.UN_SYSTEM, Category.OBSERVER_STATE, Category.MEMBER_STATE])
    first = replace(plan, phases=(plan.phases[0], replace(phase, eligible=one), *plan.phases[2:]))
    second = replace(
        plan, phases=(plan.phases[0], replace(phase, eligible=other), *plan.phases[2:])
    )
    assert fingerprint(OpenSegment(first)) == fingerprint(OpenSegment(second))
    assert fingerprint(OpenSegment(first)) != fingerprint(OpenSegment(plan))
