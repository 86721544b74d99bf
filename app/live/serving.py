"""How uvicorn serves the app: the one set of options ``serve``, the tests and the benchmarks use.

Theory of operation
-------------------
A page sends the live channel only short messages (``protocol.MAX_PAGE_MESSAGE``
characters). uvicorn would otherwise read a frame of up to 16 MiB (its default
``ws_max_size``) in full before the route could look at it: four sockets with
any display token held 67 MB. ``WS_MAX_SIZE`` is the UTF-8 bound of the
protocol's limit (4 bytes a character), so every message the protocol accepts
fits and the route still answers an over-long one itself (1009, "a page sends
only short messages"); a larger frame is refused from its header, before its
payload is read (1009, "message too big"), and the server keeps serving.

The frames protocol gives caught-up screens the hub's direct writes
(``app.live.frames``); deflate is off because it doubles the CPU per message
(docs/benchmarks.md). A caller adds where to listen and how to log, and may
change what a test needs (deflate offered, protocol pings off), never the size.
"""

from __future__ import annotations

from typing import Any

from app.live.protocol import MAX_PAGE_MESSAGE

#: Bytes: the largest websocket message a client may send (4 bytes per character of UTF-8).
WS_MAX_SIZE = 4 * MAX_PAGE_MESSAGE


def uvicorn_options(**changes: Any) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` or ``uvicorn.Config``, with ``changes`` applied."""
    if "ws_max_size" in changes:
        raise ValueError("ws_max_size follows the live protocol (WS_MAX_SIZE); it is not an option")
    return {
        "ws": "app.live.frames:FramedWebSocketProtocol",
        "ws_per_message_deflate": False,
        "ws_max_size": WS_MAX_SIZE,
        **changes,
    }
