"""``bench.render``'s machinery on a short queue: every part measured, the state it times
written both ways to the same JSON (S5: the codec's one-pass text is what ``load`` reads)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from app.db import codec
from app.queue import RoomState
from bench.render import busy_room, measure


def test_every_part_of_a_change_is_timed_on_a_room_with_a_speech_and_a_queue(
    tmp_path: Path,
) -> None:
    room, now = asyncio.run(busy_room(3, tmp_path))

    assert room.speech is not None
    assert len(room.queue.waiting) == 3
    figures = measure(room, now, repeat=2)
    assert len(figures) == 8
    assert all(micros > 0 for micros in figures.values())
    text = codec.dump_json(room).text
    assert json.loads(text) == codec.dump(room)
    assert codec.load(RoomState, json.loads(text)) == room
