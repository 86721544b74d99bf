"""Rule profiles (O10): a body's floor rules as a data file, named by a programme.

A profile is ``app/data/profiles/<key>.yaml``: a ``title``, the ``sources``
it follows (the body's rules of procedure and practice, by name) and, beside
them, floor rules in exactly the syntax of a programme file's ``rules:``
block (``RulesIn``). A profile sets only what differs from the seeds'
defaults; ``action_group`` sets nothing. It is read like a programme file
(``app.meeting.source``: no aliases, bounded nesting) and refused the same
way, with the line and the field of every problem.

Precedence, where a programme names profiles:

1. ``profile:`` at meeting level gives the meeting's rules; the meeting's own
   ``rules:`` block overrides the fields it sets explicitly (pydantic's
   ``model_fields_set``: a field written in the file, even with the default
   value), so a secretariat adapts a body's rules without restating them.
2. ``profile:`` on a segment replaces the meeting's rules for that segment,
   its ``rules:`` block included: the segment runs the profile exactly as
   shipped. The meeting's block was written against the meeting's profile
   (an informal meeting's two-minute slot); applied to another body's
   segment it would silently change that body's numbers, and a segment's
   plan could no longer be read from its profile file alone.
3. No profile anywhere: the meeting's ``rules:`` block alone, as before.

A profile's contingents (O9) are UN regional groups: a profile knows no
meeting's delegations, so a group with listed members belongs in the
programme's own ``rules:`` block.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field, ValidationError

from app.errors import InvalidProgramme
from app.meeting.delegations import REGIONAL_GROUPS
from app.meeting.schema import RulesIn
from app.meeting.source import read_source

PROFILES = Path(__file__).resolve().parents[1] / "data" / "profiles"
#: What a profile file says beside its rules; never a rule.
_ABOUT = frozenset({"title", "sources"})


class ProfileIn(RulesIn):
    """A profile file: its title and sources, and the rules block's fields."""

    title: str = Field(min_length=1, max_length=200)
    sources: list[str] = Field(min_length=1, max_length=20)


@dataclass(frozen=True, slots=True)
class Profile:
    """A body's rules: ``rules`` has as fields set exactly those its file writes."""

    key: str
    title: str
    sources: tuple[str, ...]
    rules: RulesIn


def known_profiles() -> tuple[str, ...]:
    """The keys of the shipped profiles, sorted."""
    return tuple(sorted(path.stem for path in PROFILES.glob("*.yaml")))


def read_profile(text: str, key: str) -> Profile:
    """Check a profile's text; raises InvalidProgramme naming its file, line and field."""
    source = read_source(text, f"profiles/{key}.yaml")
    try:
        profile = ProfileIn.model_validate(source.data)
    except ValidationError as errors:
        raise source.refuse(errors) from None
    for n, contingent in enumerate(profile.contingents):
        at = ("contingents", n)
        if contingent.members:
            message = (
                "a profile's contingents are UN regional groups: "
                "a group with members goes in the programme's rules (O9)"
            )
            raise InvalidProgramme(source.error((*at, "members"), message))
        if contingent.group not in REGIONAL_GROUPS:
            known = ", ".join(sorted(REGIONAL_GROUPS))
            message = f"{contingent.group!r} is not a UN regional group (one of {known}) (O9)"
            raise InvalidProgramme(source.error((*at, "group"), message))
    written = {k: v for k, v in source.data.items() if k not in _ABOUT}
    return Profile(key, profile.title, tuple(profile.sources), RulesIn.model_validate(written))


@cache
def load_profile(key: str) -> Profile | None:
    """The shipped profile ``key``, or None if there is none (cached: shipped files)."""
    if key not in known_profiles():
        return None
    return read_profile((PROFILES / f"{key}.yaml").read_text(encoding="utf-8"), key)


def profile_rules(profile: Profile | None, rules: RulesIn) -> RulesIn:
    """The rules a meeting runs: the profile's, then the fields ``rules`` sets explicitly."""
    if profile is None:
        return rules
    explicit = {name: getattr(rules, name) for name in rules.model_fields_set}
    return profile.rules.model_copy(update=explicit)
