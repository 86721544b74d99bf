"""A socket's clock-sync pings are counted on the socket: a moving window (access, S8)."""

from __future__ import annotations

from limits import parse

from app.access.ratelimit import PingWindow


def test_at_most_the_limit_in_any_window_and_the_wait_is_until_the_oldest_leaves() -> None:
    window = PingWindow(parse("3 per 10 seconds"))
    assert [window.refusal(t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    refused = window.refusal(5.0)
    assert refused is not None
    assert "at most 3 per 10 second" in refused.detail
    assert refused.code == "channel.pings"
    assert refused.params["seconds"] == 5
    assert refused.detail.endswith("wait 5 s")  # the ping of t=0 leaves the window at t=10
    assert window.refusal(10.0) is None  # it has left: one more fits
    assert window.refusal(10.5) is not None  # t=1, 2 and 10 are in the window


def test_a_refused_ping_does_not_count() -> None:
    window = PingWindow(parse("1 per 10 seconds"))
    assert window.refusal(0.0) is None
    assert all(window.refusal(t) is not None for t in (1.0, 2.0, 9.9))
    assert window.refusal(10.0) is None


def test_the_page_is_told_the_window_it_is_held_to() -> None:
    """viewer.pings (docs/protocol.md): room.js paces its pings by these terms, never refused."""
    assert PingWindow(parse("3 per 20 seconds")).terms() == {"limit": 3, "seconds": 20.0}
    assert PingWindow(parse("10 per minute")).terms() == {"limit": 10, "seconds": 60.0}
