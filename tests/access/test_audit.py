"""Audit: every command records who sent it and from where; the secretariat reads a room's."""

from __future__ import annotations

from functools import partial
from typing import Any

from app.access.roles import Principal, Role
from app.queue import RequestFloor
from app.room.audit import SCHEDULER
from tests.api_client import Api, bearer
from tests.fakes import state


def _post(site: Api, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    room = site.seeded.rooms[0]
    answer = site.client.post(f"/api/rooms/{room}/{path}", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def test_every_command_records_its_senders_role_identity_and_address(site: Api) -> None:
    room = site.seeded.rooms[0]
    moderator = site.issue(Principal(Role.MODERATOR, room_id=room), "Chair of AG1")
    mexico = site.issue(Principal(Role.DELEGATE, delegation="MEX"), "badge: MEX")
    as_moderator = bearer(moderator.token)
    as_mexico = bearer(mexico.token)
    open_body = {
        "type": "open_segment",
        "command_id": "open-0001",
        "segment_id": site.seeded.action_group,
    }
    _post(site, "programme", open_body, as_moderator)
    request = {"type": "request", "delegation": "MEX", "command_id": "mex-press-01"}
    _post(site, "requests", request, as_mexico)
    _post(site, "requests", request, as_mexico)  # a retry: recorded once
    trail = site.client.get(f"/api/rooms/{room}/audit", headers=site.secretariat)
    assert trail.status_code == 200
    rows = trail.json()
    assert [r["command_id"] for r in rows] == ["mex-press-01", "open-0001"]
    press, opened = rows
    assert (press["kind"], press["role"], press["token_id"]) == (
        "RequestFloor",
        "delegate",
        mexico.id,
    )
    assert press["identity"].startswith("delegate (MEX)")
    assert press["client"] == "testclient"  # the TestClient's address
    assert (opened["role"], opened["token_id"]) == ("moderator", moderator.id)
    assert "Chair of AG1" in opened["identity"]
    assert opened["events"]


def test_a_command_from_the_service_itself_is_recorded_as_the_scheduler_s(site: Api) -> None:
    room = site.seeded.rooms[0]
    runner = site.app.state.services.rooms[room]
    moderator = site.bearer(Principal(Role.MODERATOR, room_id=room))
    open_body = {
        "type": "open_segment",
        "command_id": "open-0001",
        "segment_id": site.seeded.action_group,
    }
    _post(site, "programme", open_body, moderator)
    press = RequestFloor(state("MEX", "Mexico"))
    portal = site.client.portal
    assert portal is not None
    send = partial(runner.handle, sender=SCHEDULER)
    portal.call(send, press, "internal-0001")  # outside any request: the service's own
    rows = site.client.get(f"/api/rooms/{room}/audit", headers=site.secretariat).json()
    internal = next(r for r in rows if r["command_id"] == "internal-0001")
    assert (internal["role"], internal["identity"], internal["client"]) == ("", "scheduler", "")


def test_the_audit_trail_is_the_secretariats_alone_and_pages_back(site: Api) -> None:
    room = site.seeded.rooms[0]
    moderator = site.bearer(Principal(Role.MODERATOR, room_id=room))
    assert site.client.get(f"/api/rooms/{room}/audit", headers=moderator).status_code == 403
    open_body = {
        "type": "open_segment",
        "command_id": "open-0001",
        "segment_id": site.seeded.action_group,
    }
    _post(site, "programme", open_body, moderator)
    site.clock.advance(1)
    for n in range(3):
        body = {"type": "request", "delegation": "GHA", "command_id": f"gha-press-{n:02d}"}
        _post(site, "requests", body, moderator)
        site.clock.advance(1)
    page = site.client.get(f"/api/rooms/{room}/audit?limit=2", headers=site.secretariat).json()
    assert len(page) == 2
    older = site.client.get(
        f"/api/rooms/{room}/audit?before={page[-1]['at']}", headers=site.secretariat
    ).json()
    assert [r["command_id"] for r in older] == ["gha-press-00", "open-0001"]
