"""The meeting's proceedings as stored: cards and report drafts, and the record read back.

The record's rules are pure (``app.record``); this part reads and writes what
they work on, in the caller's one transaction (``app.db.engine.in_transaction``):
``papers`` holds the recommendation cards (R2) and the rapporteur's report
drafts (R3), ``minutes`` the interventions of a segment, a day or the meeting
folded from the room's stored events (R1, R4).
"""
