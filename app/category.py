"""Delegation categories (P1) and who counts as a stakeholder (P3).

Pure: no I/O. Ranks are not here: they are meeting settings (P2) carried by
``app.timing.plan.FloorRules``.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """P1: the kind of delegation a speaker speaks for."""

    MEMBER_STATE = "member_state"
    OBSERVER_STATE = "observer_state"
    UN_SYSTEM = "un_system"
    IGO = "igo"
    NHRI = "nhri"
    CIVIL_SOCIETY = "civil_society"
    PRIVATE_SECTOR = "private_sector"
    ACADEMIA = "academia"
    LOCAL_AUTHORITY = "local_authority"
    PANELLIST = "panellist"
    PRESENTER = "presenter"
    OFFICIAL = "official"


#: P1: these take the floor by programme, never by request.
PROGRAMME_CATEGORIES = frozenset({Category.PANELLIST, Category.PRESENTER, Category.OFFICIAL})

#: Categories that may request the floor.
REQUESTING_CATEGORIES = frozenset(Category) - PROGRAMME_CATEGORIES


def is_stakeholder(category: Category, observer_state_is_stakeholder: bool = False) -> bool:
    """P3: every category but member_state; observer_state by meeting setting."""
    if category is Category.MEMBER_STATE:
        return False
    if category is Category.OBSERVER_STATE:
        return observer_state_is_stakeholder
    return True


def stakeholder_categories(observer_state_is_stakeholder: bool = False) -> frozenset[Category]:
    """P3 as a set, for a phase's eligibility (A4)."""
    return frozenset(
        c for c in REQUESTING_CATEGORIES if is_stakeholder(c, observer_state_is_stakeholder)
    )
