"""The record of the floor (R1) and its statistics (R4), rebuilt from events (pure: no I/O)."""

from app.record.interventions import (
    TOOK_FLOOR_SECONDS,
    DelegationInfo,
    Group,
    Intervention,
    Outcome,
    SegmentInfo,
    build_record,
    group_of,
    took_floor,
)
from app.record.statistics import Scope, Statistics, Tally, by_day, by_segment, statistics

__all__ = [
    "TOOK_FLOOR_SECONDS",
    "DelegationInfo",
    "Group",
    "Intervention",
    "Outcome",
    "Scope",
    "SegmentInfo",
    "Statistics",
    "Tally",
    "build_record",
    "by_day",
    "by_segment",
    "group_of",
    "statistics",
    "took_floor",
]
