"""Issue 13, finding 8: a refused live upgrade says why; the Origin check ignores Host.

A bad query (no or a bad token, a bad ``since`` or ``label``, no such room or
channel) was answered, for some of them, with a bare 403 and no body: every
refusal now carries ``{"error", "detail"}``. The ``Origin`` check compared the
page's origin with the ``Host`` header, which a DNS-rebinding page controls;
it now compares with ``FLOORKEEPER_ALLOWED_ORIGINS`` or the service's own
origin. Against a real uvicorn (``tests.live.harness.serving``) with the
``websockets`` client, which connects where it is told whatever the URL's host
(``host=``, ``port=``), as a rebinding browser does.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from app.access.roles import Role
from tests.live.harness import GUARD, LiveServer, serving


async def _refusal(url: str, **options: Any) -> tuple[int, bytes | bytearray]:
    """The status and body of the HTTP answer that refused the upgrade to ``url``."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, open_timeout=GUARD, **options):
            pass
    response = refused.value.response
    return response.status_code, response.body


def _refused(url: str, **options: Any) -> tuple[int, dict[str, str]]:
    status, body = asyncio.run(_refusal(url, **options))
    assert body, f"an empty {status}"
    answer: dict[str, str] = json.loads(body)
    assert set(answer) == {"error", "detail", "code", "params"}
    return status, answer


def _live(server: LiveServer, query: str, room: object = None) -> str:
    base = server.base.replace("http://", "ws://")
    return f"{base}/api/rooms/{room or server.room_id}/live?{query}"


def test_finding_8_a_bad_live_query_is_refused_with_a_readable_reason(tmp_path: Path) -> None:
    with serving(tmp_path) as server:
        token = server.tokens()[Role.DISPLAY]
        cases = {
            "no token": (_live(server, ""), 403, "link is needed to watch the room"),
            "a forged token": (_live(server, "token=forged.token"), 403, "not valid"),
            "a negative version": (_live(server, f"token={token}&since=-1"), 422, "since"),
            "a label too long": (_live(server, f"token={token}&label={'x' * 61}"), 422, "label"),
            "no such room": (_live(server, f"token={token}", room=999), 404, "no room 999"),
            "not a room": (_live(server, f"token={token}", room="lobby"), 404, "no room lobby"),
            "no such channel": (f"{_live(server, '')}".replace("/live", "/lives"), 404, "lives"),
        }
        for case, (url, status, words) in cases.items():
            answered, answer = _refused(url)
            assert (answered, words in answer["detail"]) == (status, True), (case, answer)


def test_finding_8_a_dns_rebinding_origin_is_refused_though_it_matches_host(
    tmp_path: Path,
) -> None:
    """``http://evil.example:PORT`` resolving to this server: Host and Origin agree, still no."""
    with serving(tmp_path) as server:
        port = urlsplit(server.base).port
        path = _live(server, f"token={server.tokens()[Role.DISPLAY]}").split(f":{port}", 1)[1]
        rebound = f"ws://evil.example:{port}{path}"  # the Host header says evil.example:PORT
        status, answer = _refused(
            rebound, origin=f"http://evil.example:{port}", host="127.0.0.1", port=port
        )
        assert status == 403
        assert "evil.example" in answer["detail"]
        assert "FLOORKEEPER_ALLOWED_ORIGINS" in answer["detail"]

        async def own_page() -> str:  # a page the service served, from the address it reached
            async with connect(
                _live(server, path.split("?", 1)[1]), origin=Origin(server.base)
            ) as ws:
                text = await asyncio.wait_for(ws.recv(), GUARD)
                return str(json.loads(text)["type"])

        assert asyncio.run(own_page()) == "snapshot"


def test_finding_8_allowed_origins_come_from_the_setting_when_it_is_set(tmp_path: Path) -> None:
    with serving(tmp_path, allowed_origins="https://floor.example.org") as server:
        url = _live(server, f"token={server.tokens()[Role.DISPLAY]}")
        assert _refused(url, origin=server.base)[0] == 403  # its own address: not listed

        async def proxied_page() -> str:
            async with connect(url, origin=Origin("https://floor.example.org")) as ws:
                return str(json.loads(await asyncio.wait_for(ws.recv(), GUARD))["type"])

        assert asyncio.run(proxied_page()) == "snapshot"
