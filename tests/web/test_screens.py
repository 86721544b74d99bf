"""The three screens of the room, driven in headless chromium against the real server.

Each test starts the app on a free port with a fresh database (tests/web/server.py).
Waits are Playwright's: they end as soon as the page shows what is expected and
fail after a guard; no assertion depends on how fast anything is.
"""

from __future__ import annotations

import json
import re
import time
from functools import partial
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, WebSocketRoute, expect

from tests.web.screens import (
    CONSOLE,
    PHONE,
    WALL,
    Moderator,
    contrast,
    open_page,
    wait_until_agrees,
)
from tests.web.server import QUESTIONS, Site

pytestmark = pytest.mark.browser

STATES = ("normal", "warning", "timeup", "overtime", "paused", "ready", "idle")


def _console(browser: Browser, site: Site, room: int, before: Any = None) -> Page:
    path = f"/moderator/{room}?token={site.moderator(room)}"
    return open_page(browser, site, path, CONSOLE, before=before)


def _delegate(browser: Browser, site: Site, code: str, room: int) -> Page:
    return open_page(browser, site, f"/delegate?token={site.delegate(code)}&room={room}", PHONE)


def _display(browser: Browser, site: Site, room: int, before: Any = None) -> Page:
    path = f"/display/{room}?token={site.display(room)}"
    return open_page(browser, site, path, WALL, before=before)


def _speaking(moderator: Moderator, segment: int, delegation: str) -> None:
    """The Member State phase, with ``delegation`` given the floor and its clock running."""
    moderator.member_state_phase(segment)
    moderator.send("floor", type="add_request", delegation=delegation)
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")


def _policy_refusals(into: list[str], message: ConsoleMessage) -> None:
    if "Security Policy" in message.text:
        into.append(message.text)


def _answered(console: Page) -> None:
    """The console re-enables its buttons once the server has answered the last command."""
    expect(console.locator("#act-end")).to_be_enabled()


def _speech(moderator: Moderator) -> dict[str, Any]:
    speech: dict[str, Any] = moderator.view()["speech"]
    return speech


def test_pages_refuse_a_wrong_token_with_a_page_a_person_can_read(site: Site) -> None:
    room = site.seeded.rooms[0]
    cases = [
        (f"/moderator/{room}", 403, "needs the link"),
        (f"/moderator/{room}?token=forged", 403, "not valid"),
        (f"/moderator/{room}?token={site.delegate('GHA')}", 403, "cannot run room"),
        (f"/moderator/{room}?token={site.moderator(site.seeded.rooms[1])}", 403, "cannot run"),
        (f"/display/{room}?token={site.display(site.seeded.rooms[1])}", 403, "cannot watch"),
        (f"/delegate?token={site.moderator(room)}", 403, "page of a delegation"),
        (f"/podium/999?token={site.display(room)}", 404, "no room 999"),
    ]
    for path, status, words in cases:
        answer = httpx.get(site.base + path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert words in answer.text, (path, answer.text)
    shown = httpx.get(f"{site.base}/podium/{room}?token={site.display(room)}")
    assert shown.status_code == 200
    assert '<script type="module" src="/static/display/podium.js">' in shown.text


def test_t6_a_request_granted_and_started_shows_the_servers_countdown_everywhere(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    console = _console(browser, site, room)

    console.click("#act-open-segment")
    console.click("#segment-ok")
    expect(console.locator("#segment-title")).to_have_text("Action group 1: human dimension")
    console.click("#act-close-phase")
    expect(console.locator("#confirm-dialog")).to_be_visible()
    console.click("#confirm-ok")
    expect(console.locator("#phase-title")).to_have_text("Member State interventions")

    delegate = _delegate(browser, site, "GHA", room)
    display = _display(browser, site, room)
    delegate.click("#request")
    expect(console.locator("#queue-list li[data-request]")).to_contain_text("Ghana")
    expect(console.locator("#queue-list li[data-request] .badge")).to_contain_text(
        ["Member State", "First time"]
    )
    expect(delegate.locator("#request")).to_have_text("Floor requested")  # M2: not a toggle
    expect(delegate.locator("#place")).to_have_text("Place 1 in the queue")
    expect(delegate.locator("#next-alert")).to_be_visible()
    expect(display.locator("#next-list li .name")).to_have_text(["Ghana"])

    console.click("#queue-list li[data-request] button[data-action=grant]")
    expect(console.locator("#speaker-name")).to_have_text("Ghana")
    console.click("#act-start")
    expect(console.locator("#countdown")).to_have_attribute("data-state", "normal")
    speech = _speech(moderator)
    assert speech["status"] == "running"
    for page in (console, delegate, display):
        expect(page.locator("#speaker-name")).to_have_text("Ghana")
        expect(page.locator("#countdown")).to_have_attribute("data-state", "normal")
        assert wait_until_agrees(page, speech) <= 1.0
    expect(delegate.locator("#place")).to_have_text("You have the floor")

    console.click("#act-pause")
    expect(console.locator("#act-resume")).to_be_enabled()
    paused = _speech(moderator)
    assert paused["status"] == "paused"
    for page in (console, delegate, display):
        expect(page.locator("#countdown")).to_have_attribute("data-state", "paused")
        expect(page.locator("#countdown-state")).to_have_text("Paused")
        assert wait_until_agrees(page, paused) <= 1.0

    console.click("#act-resume")
    expect(console.locator("#countdown")).to_have_attribute("data-state", "normal")
    console.click("#act-plus60")
    _answered(console)
    extended = _speech(moderator)
    assert extended["allotted"] == 240.0  # T2 flex (3 min) plus one minute
    for page in (console, delegate, display):
        assert wait_until_agrees(page, extended) <= 1.0
        shown = page.evaluate("() => document.getElementById('countdown-time').textContent")
        assert shown.startswith(("3:", "4:")), shown  # 3 min of flex plus 1, minus a moment

    console.click("#act-end")
    for page in (console, delegate, display):
        expect(page.locator("#speaker-name")).to_have_text("The floor is free")
        expect(page.locator("#countdown")).to_have_attribute("data-state", "idle")
    assert moderator.view()["speech"] is None


class _Link:
    """The console's live channel through a switch: on, it reaches the server; off, it drops."""

    def __init__(self) -> None:
        self.up = True
        self.routes: list[WebSocketRoute] = []

    def route(self, ws: WebSocketRoute) -> None:
        if not self.up:
            ws.close(code=1011, reason="network down (test)")
            return
        ws.connect_to_server()
        self.routes.append(ws)

    def drop(self) -> None:
        self.up = False
        for ws in self.routes:
            ws.close(code=1011, reason="network down (test)")
        self.routes.clear()


def test_t6_console_refuses_commands_while_disconnected_and_recovers(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    _speaking(moderator, site.seeded.action_group, "MEX")
    link = _Link()
    on_socket: list[Any] = []  # the clock's commands go on the live socket (issue 18)

    def watched(page: Page) -> None:
        page.route_web_socket(re.compile(r"/live\?"), link.route)
        page.on("websocket", lambda ws: ws.on("framesent", partial(_commands, on_socket)))

    console = _console(browser, site, room, before=watched)
    posts: list[str] = []
    console.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    expect(console.locator("#act-plus30")).to_be_enabled()

    link.drop()
    expect(console.locator("body")).to_have_attribute("data-connection", "reconnecting")
    expect(console.locator("#offline-banner")).to_be_visible()
    expect(console.locator("#connection")).to_have_text("Reconnecting…")
    for button in console.locator("button[data-command]").all():
        expect(button).to_be_disabled()
    console.locator("#act-plus30").click(force=True)  # a tap on the disabled button
    assert posts == []
    assert on_socket == []
    # The countdown keeps running from the deadline it holds.
    assert wait_until_agrees(console, _speech(moderator)) <= 1.0

    link.up = True
    expect(console.locator("body")).to_have_attribute("data-connection", "live", timeout=15_000)
    expect(console.locator("#offline-banner")).to_be_hidden()
    before = _speech(moderator)["allotted"]
    console.click("#act-plus30")
    _answered(console)
    assert _speech(moderator)["allotted"] == before + 30
    assert len(posts) + len(on_socket) == 1  # one command, whichever way it went


def _commands(seen: list[Any], payload: str | bytes) -> None:
    """Keep the ``command`` messages a page sends on its live socket."""
    if isinstance(payload, str) and payload.startswith('{"type":"command"'):
        seen.append(json.loads(payload))


def test_t6_a_command_whose_answer_was_lost_is_retried_with_the_same_id(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    moderator.send("floor", type="add_request", delegation="CHE")
    moderator.send("floor", type="grant")
    unanswered: list[dict[str, Any]] = []

    def socket_never_answers(ws: WebSocketRoute) -> None:
        """The clock's command goes on the live socket first (issue 18): it never gets there."""
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and message.startswith('{"type":"command"'):
                unanswered.append(json.loads(message)["body"])
            else:
                server.send(message)

        ws.on_message(from_page)

    console = _console(
        browser,
        site,
        room,
        before=lambda page: page.route_web_socket(re.compile(r"/live\?"), socket_never_answers),
    )
    sent: list[str] = []
    answers: list[dict[str, Any]] = []

    def lose_first_answer(route: Route) -> None:
        body = route.request.post_data_json
        assert isinstance(body, dict)
        sent.append(body["command_id"])
        response = route.fetch()  # the server applies the command...
        if len(sent) == 1:
            route.abort("connectionreset")  # ...but its answer never reaches the page
        else:
            answers.append(response.json())
            route.fulfill(response=response)

    console.route(re.compile(r"/api/rooms/\d+/speech$"), lose_first_answer)
    before = _speech(moderator)["allotted"]
    console.click("#act-plus30")
    # 4 s without an answer on the socket, then over HTTP: lost once, sent again
    expect(console.locator("#act-plus30")).to_be_enabled(timeout=15_000)
    assert [body["command_id"] for body in unanswered] == sent[:1]
    assert len(sent) == 2
    assert sent[0] == sent[1]
    assert answers[0]["duplicate"] is True
    assert _speech(moderator)["allotted"] == before + 30  # applied once


def test_arabic_display_is_right_to_left_with_arabic_names(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[1]  # seeded with language "ar"
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.panel)
    moderator.send("floor", type="give", name="Co-facilitator")
    moderator.send("floor", type="add_request", delegation="MEX")
    moderator.send("floor", type="add_request", delegation="VAT")
    moderator.send("speech", type="start")
    display = _display(browser, site, room)
    expect(display.locator("html")).to_have_attribute("lang", "ar")
    expect(display.locator("html")).to_have_attribute("dir", "rtl")
    expect(display.locator("#next-list li .name")).to_have_text(["المكسيك", "الكرسي الرسولي"])
    expect(display.locator("#countdown-state")).to_have_text("يتكلم")
    expect(display.locator("#next-heading")).to_have_text("المتكلمون التالون")
    expect(display.locator("#phase-title")).to_have_text("مقدمة")  # the phase key's Arabic title
    direction = display.evaluate("() => getComputedStyle(document.body).direction")
    assert direction == "rtl"
    # Right to left: the speaker column starts at the right edge, the list on the left.
    floor = display.locator(".wall-floor").bounding_box()
    side = display.locator(".wall-side").bounding_box()
    assert floor is not None
    assert side is not None
    assert floor["x"] > side["x"]
    # The countdown's digits stay left to right inside the Arabic page.
    expect(display.locator("#countdown")).to_have_attribute("dir", "ltr")

    mexico = next(q["id"] for q in moderator.view()["queue"] if q["delegation_id"] == "MEX")
    moderator.send("speech", type="end")
    moderator.send("floor", type="grant", request_id=mexico)
    expect(display.locator("#speaker-name")).to_have_text("المكسيك")


def test_p6_a_delegate_page_acts_for_its_own_delegation_only(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    delegate = _delegate(browser, site, "GHA", room)
    expect(delegate.locator("#delegation-name")).to_have_text("Ghana")
    answer = delegate.evaluate(
        """async ([room, token]) => {
            const response = await fetch(`/api/rooms/${room}/requests`, {
                method: "POST",
                headers: {"Content-Type": "application/json", Authorization: `Bearer ${token}`},
                body: JSON.stringify(
                    {command_id: "forged-0001", type: "request", delegation: "MEX"}
                ),
            });
            return [response.status, await response.json()];
        }""",
        [room, site.delegate("GHA")],
    )
    assert answer[0] == 403
    assert "cannot act for MEX" in answer[1]["detail"]
    assert moderator.view()["queue"] == []
    delegate.click("#request")
    expect(delegate.locator("#request")).to_have_text("Floor requested")
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["GHA"]
    refused = delegate.request.get(f"{site.base}/moderator/{room}?token={site.delegate('GHA')}")
    assert refused.status == 403


def test_every_page_has_no_serious_accessibility_violation(browser: Browser, site: Site) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    for code in ("GHA", "MEX", "IOM"):
        moderator.send("floor", type="add_request", delegation=code)
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")
    pages = {
        "console": _console(browser, site, room),
        "delegate": _delegate(browser, site, "MEX", room),
        "display": _display(browser, site, room),
        "podium": open_page(browser, site, f"/podium/{room}?token={site.display(room)}", WALL),
    }
    axe = Axe()
    for name, page in pages.items():
        results = axe.run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{name}: {serious}"


def test_t5_display_countdown_contrast_is_at_least_7_to_1_in_every_state(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    pages = {
        f"/display/{room}?token={site.display(room)}": WALL,
        f"/podium/{room}?token={site.display(room)}": WALL,
        f"/moderator/{room}?token={site.moderator(room)}": CONSOLE,
        f"/delegate?token={site.delegate('GHA')}&room={room}": PHONE,
    }
    for path, viewport in pages.items():
        page = open_page(browser, site, path, viewport)
        colours = page.evaluate(
            """(states) => {
                const live = document.getElementById("countdown");
                const opaque = (el) => {
                    for (; el; el = el.parentElement) {
                        const bg = getComputedStyle(el).backgroundColor;
                        if (bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") return bg;
                    }
                    return "rgb(255, 255, 255)";
                };
                return states.map((state) => {
                    const sample = live.cloneNode(true);
                    sample.removeAttribute("id");
                    sample.dataset.state = state;
                    live.parentElement.append(sample);
                    const colour = getComputedStyle(sample).color;
                    const background = opaque(sample);
                    sample.remove();
                    return [state, colour, background];
                });
            }""",
            list(STATES),
        )
        backgrounds = {background for _, _, background in colours}
        assert len(backgrounds) >= 5, f"states must differ by colour too: {colours}"
        for state, colour, background in colours:
            ratio = contrast(colour, background)
            assert ratio >= 7.0, f"{path} {state}: {colour} on {background} is {ratio:.2f}:1"


def test_a1_display_shows_the_guiding_questions_first_during_the_opening(
    browser: Browser, site: Site
) -> None:
    """First during the opening; then beside the floor (issue 15, tests/web/test_wall.py)."""
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    display = _display(browser, site, room)
    expect(display.locator("#questions-box")).to_be_visible()
    expect(display.locator("#questions li")).to_have_text(QUESTIONS)
    expect(display.locator("#phase-title")).to_have_text("Welcome by chair")
    expect(display.locator("#questions-box")).to_have_attribute("data-focus", "true")
    moderator.send("programme", type="close_phase")
    expect(display.locator("#phase-title")).to_have_text("Member State interventions")
    expect(display.locator("#questions-box")).to_have_attribute("data-focus", "false")


def test_p7_console_adds_reorders_overrides_and_gives_the_floor(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    console = _console(browser, site, room)
    queue = console.locator("#queue-list li[data-request] .name")

    # Search by a name in another of the six languages, then by code (P7).
    console.fill("#add-search", "мекс")  # Мексика
    console.locator("#add-matches button", has_text="Mexico").click()
    console.click("#add-submit")
    expect(queue).to_have_text(["Mexico"])
    expect(console.locator("#add-search")).to_have_value("")
    console.fill("#add-search", "che")
    expect(console.locator("#add-matches button")).to_have_text(["Switzerland (CHE)"])
    console.click("#add-submit")
    expect(queue).to_have_text(["Mexico", "Switzerland"])
    expect(console.locator("#add-search")).to_have_value("")
    console.fill("#add-search", "加纳")  # 加纳: Ghana in Chinese
    console.click("#add-submit")
    expect(queue).to_have_text(["Mexico", "Switzerland", "Ghana"])

    # Reorder by tap, then by drag (P2: recorded as a move, never refused).
    console.locator("#queue-list li[data-request]").nth(2).locator("[data-action=up]").click()
    expect(queue).to_have_text(["Mexico", "Ghana", "Switzerland"])
    console.drag_and_drop(
        "#queue-list li[data-request]:nth-child(3)", "#queue-list li[data-request]:nth-child(1)"
    )
    expect(queue).to_have_text(["Switzerland", "Mexico", "Ghana"])
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["CHE", "MEX", "GHA"]

    # Override one allotment (T2).
    console.locator("#queue-list li[data-request]").nth(1).locator("[data-action=allot]").click()
    console.fill("#allot-minutes", "1.5")
    console.click("#allot-ok")
    expect(console.locator("#queue-list li[data-request]").nth(1)).to_contain_text(
        "1:30 (time set by the moderator)"
    )
    mexico = moderator.view()["queue"][1]
    assert (mexico["delegation_id"], mexico["override_seconds"]) == ("MEX", 90.0)

    # Give the floor out of order, then "next speaker" ends it and follows the queue. Each
    # speaker starts first: one who has not would go back to the head of the queue (M5).
    console.locator("#queue-list li[data-request]").nth(2).locator("[data-action=grant]").click()
    expect(console.locator("#speaker-name")).to_have_text("Ghana")
    expect(console.locator("#speaker-badges .badge")).to_contain_text(["Out of order"])
    for speaker, then in (("Ghana", "Switzerland"), ("Switzerland", "Mexico")):
        expect(console.locator("#speaker-name")).to_have_text(speaker)
        console.click("#act-start")
        expect(console.locator("#countdown")).to_have_attribute("data-state", "normal")
        console.click("#act-next")
        expect(console.locator("#speaker-name")).to_have_text(then)
    expect(queue).to_have_count(0)
    assert moderator.view()["speech"]["allotted"] == 90.0

    # Closing the segment asks first; cancelling changes nothing.
    console.click("#act-close-segment")
    console.locator("#confirm-dialog button[value=cancel]").click()
    expect(console.locator("#confirm-dialog")).to_be_hidden()
    assert moderator.view()["segment"] is not None


def test_delegate_page_follows_the_users_language_and_withdraws(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    delegate = _delegate(browser, site, "CHE", room)
    delegate.select_option("#language", "fr")
    expect(delegate.locator("#request")).to_have_text("Demander la parole")
    expect(delegate.locator("#delegation-name")).to_have_text("Suisse")
    delegate.reload()
    expect(delegate.locator("#delegation-name")).to_have_text("Suisse")  # remembered
    delegate.select_option("#language", "ar")
    expect(delegate.locator("html")).to_have_attribute("dir", "rtl")
    expect(delegate.locator("#delegation-name")).to_have_text("سويسرا")
    delegate.click("#request")
    expect(delegate.locator("#request")).to_have_text("طُلبت الكلمة")
    assert [q["delegation_id"] for q in moderator.view()["queue"]] == ["CHE"]
    delegate.click("#withdraw")  # M2: its own button, and it asks first
    expect(delegate.locator("#withdraw-question")).to_have_text("سحب طلبك؟ ستفقد مكانك في القائمة.")
    delegate.click("#withdraw-yes")
    expect(delegate.locator("#request")).to_have_text("طلب الكلمة")
    assert moderator.view()["queue"] == []
    # The other room has no segment open: nothing to ask for there.
    delegate.select_option("#room-choice", str(site.seeded.rooms[1]))
    expect(delegate.locator("#phase-title")).to_have_text("لا توجد جلسة مفتوحة")
    expect(delegate.locator("#request")).to_be_disabled()
    delegate.select_option("#room-choice", str(room))
    expect(delegate.locator("#request")).to_be_enabled()


def test_every_page_runs_under_a_policy_without_inline_scripts_or_styles(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    _speaking(moderator, site.seeded.action_group, "GHA")
    paths = [
        f"/moderator/{room}?token={site.moderator(room)}",
        f"/delegate?token={site.delegate('GHA')}&room={room}",
        f"/display/{room}?token={site.display(room)}",
        f"/podium/{room}?token={site.display(room)}",
        f"/display/{room}?token=forged",
    ]
    for path in paths:
        context = browser.new_context(viewport=WALL)  # type: ignore[arg-type]
        page = context.new_page()
        refused: list[str] = []
        page.on("console", partial(_policy_refusals, refused))
        answer = page.goto(site.base + path)
        assert answer is not None
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        if "forged" in path:
            expect(page.locator("h1")).to_have_text("This page cannot be opened")
        else:
            page.wait_for_selector("body[data-connection=live]")
            expect(page.locator("#countdown")).to_have_attribute("data-state", "normal")
        assert refused == [], f"{path}: {refused}"
        context.close()


def test_t6_a_page_whose_clock_jumps_still_shows_the_servers_time(
    browser: Browser, site: Site
) -> None:
    """The whole path in a browser; tests/web/js checks the step detection itself, exactly."""
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    _speaking(moderator, site.seeded.action_group, "GHA")
    speech = _speech(moderator)
    display = _display(browser, site, room, before=lambda page: page.clock.install())
    assert wait_until_agrees(display, speech) <= 1.0

    # The wall's computer clock is set a minute ahead (or wakes from sleep): no tick is
    # counted, the deadline and a fresh clock-sync sample give the right time again.
    display.clock.fast_forward("01:00")
    page_ahead = display.evaluate("() => Date.now() / 1000") - time.time()
    assert page_ahead > 55
    display.wait_for_function(
        """([endsAt, ahead]) => {
            const text = document.getElementById('countdown-time').textContent;
            const [m, s] = text.split(':').map(Number);
            return Math.abs(m * 60 + s - (endsAt - (Date.now() / 1000 - ahead))) <= 1;
        }""",
        arg=[speech["ends_at"], page_ahead],
    )
