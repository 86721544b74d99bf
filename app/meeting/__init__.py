"""The programme file: a meeting's days, rooms, segments and formats as data (C1, A1-A8).

``load_programme_file`` reads and checks a file (and the delegations CSV it
names); ``import_programme`` writes it into one transaction; ``rehearse``
copies a meeting so that one of its days starts now.
"""

from app.meeting.build import Programme, SegmentDraft, floor_rules
from app.meeting.delegations import DelegationRow, read_delegations
from app.meeting.importer import (
    import_programme,
    load_programme_file,
    parse_programme,
    rehearse,
)

__all__ = [
    "DelegationRow",
    "Programme",
    "SegmentDraft",
    "floor_rules",
    "import_programme",
    "load_programme_file",
    "parse_programme",
    "read_delegations",
    "rehearse",
]
