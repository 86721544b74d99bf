"""The delegate's phone at 360×640 as a delegation uses it (issue 15, "Delegate phone").

A request that lapses says so and offers the written card (A3, R2); a place beyond
the cut-off says it is unlikely to be reached (C3); becoming next and getting the
floor vibrate, and sound if asked, once per transition; a refused request leaves the
button disabled with its reason in the page's language; the cards fit the screen and
say "Card received" where the user is. Every test drives the real page against the
real server (``site``); nothing waits for a timer.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import httpx
import pytest

from tests.api_client import bearer
from tests.web.screens import PHONE, Moderator, delegate_page, segment_record
from tests.web.server import Site

if importlib.util.find_spec("playwright") is None:  # pragma: no cover
    # As for test_screens*.py (tests/web/conftest.py): test_tools.py says why, and fails in CI.
    pytest.skip("playwright is not installed", allow_module_level=True)

from playwright.sync_api import Browser, FloatRect, Locator, Page, expect

pytestmark = pytest.mark.browser

#: Records what the page asks of the vibrator and of Web Audio, in place of the real ones.
ALERT_STUBS = """
window.__vibrations = [];
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
window.__tones = [];
class FakeAudioContext {
  constructor() { this.currentTime = 0; this.destination = {}; this.state = "running"; }
  resume() { return Promise.resolve(); }
  createGain() {
    const gain = { setValueAtTime() {}, exponentialRampToValueAtTime() {} };
    return { gain, connect: (to) => to };
  }
  createOscillator() {
    const oscillator = { frequency: { value: 0 }, connect: (to) => to, stop() {} };
    oscillator.start = () => window.__tones.push(oscillator.frequency.value);
    return oscillator;
  }
}
window.AudioContext = FakeAudioContext;
"""


def _stubbed(page: Page) -> None:
    page.add_init_script(ALERT_STUBS)


def _alerts(page: Page) -> tuple[list[Any], list[float]]:
    vibrations, tones = page.evaluate("() => [window.__vibrations, window.__tones]")
    return list(vibrations), list(tones)


#: Layout is in fractions of a pixel: an edge may round past the viewport's by less than one.
SUBPIXEL = 1.0


def _inside_viewport(box: FloatRect | None) -> bool:
    assert box is not None, "the element is not laid out"
    return (
        box["x"] >= -SUBPIXEL
        and box["y"] >= -SUBPIXEL
        and box["x"] + box["width"] <= PHONE["width"] + SUBPIXEL
        and box["y"] + box["height"] <= PHONE["height"] + SUBPIXEL
    )


def _inside(inner: Locator, outer: Locator) -> bool:
    a, b = inner.bounding_box(), outer.bounding_box()
    assert a is not None
    assert b is not None
    return (
        a["x"] >= b["x"]
        and a["y"] >= b["y"]
        and a["x"] + a["width"] <= b["x"] + b["width"]
        and a["y"] + a["height"] <= b["y"] + b["height"]
    )


def _speaking(moderator: Moderator, segment: int, speaker: str, *waiting: str) -> None:
    """The Member State phase: ``speaker`` has the floor, its clock running; the others wait."""
    moderator.member_state_phase(segment, speaker, *waiting)
    moderator.send("floor", type="grant")
    moderator.send("speech", type="start")


def _outcomes(site: Site, room: int, code: str) -> list[str]:
    return [i["outcome"] for i in segment_record(site, room) if i["delegation"] == code]


# -- A3, R2: a request that lapses ------------------------------------------------------


def test_A3_R2_a_request_lapsed_with_the_member_state_phase_says_so_and_leads_to_the_card(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    moderator.send("floor", type="add_request", delegation="GHA")  # during the welcome
    phone = delegate_page(browser, site, "GHA", room)
    bystander = delegate_page(browser, site, "MEX", room)
    place, notice = phone.locator("#place"), phone.locator("#lapsed")
    expect(place).to_have_text("Place 1 in the queue")

    # Closing the welcome carries the request over to the Member State phase (A3): no lapse.
    moderator.send("programme", type="close_phase")
    expect(phone.locator("#phase-title")).to_have_text("Member State interventions")
    expect(place).to_have_text("Place 1 in the queue")
    expect(notice).to_be_hidden()

    # Closing the Member State phase closes it as not heard: the stakeholders' block
    # hears no Member State. The phone says so, never "you have not asked".
    moderator.send("programme", type="close_phase")
    expect(phone.locator("#phase-title")).to_have_text("Interventions from stakeholders")
    expect(place).to_have_text("Request lapsed: not heard")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("data-reason", "phase_ended")
    expect(phone.locator("#lapsed-text")).to_have_text(
        "Your request lapsed: the phase ended before you were given the floor. "
        "You can still submit your recommendation in writing."
    )
    assert _inside_viewport(notice.bounding_box())
    assert _outcomes(site, room, "GHA") == ["not_heard"]  # the record says the same (R1)
    # A delegation that never asked is told just that.
    expect(bystander.locator("#place")).to_have_text("You have not asked for the floor")
    expect(bystander.locator("#lapsed")).to_be_hidden()

    # The way to the written recommendation (R2): the card form, in view and focused.
    phone.click("#lapsed-card")
    recommendation = phone.locator("#card-recommendation")
    expect(recommendation).to_be_focused()
    assert _inside_viewport(recommendation.bounding_box())

    # It is the room's state, not the page's memory: a reload says it again, and so
    # does the phone after the segment closes, with the card still offered.
    phone.reload()
    expect(notice).to_be_visible()
    moderator.send("programme", type="close_segment")
    expect(phone.locator("#phase-title")).to_have_text("No segment is open")
    expect(notice).to_have_attribute("data-reason", "phase_ended")
    expect(phone.locator("#lapsed-card")).to_be_visible()
    expect(phone.locator("#card")).to_be_visible()
    for page in (phone, bystander):
        page.context.close()


def test_A3_R2_requests_waiting_when_the_segment_closes_lapse_with_the_segment(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    _speaking(moderator, site.seeded.action_group, "MEX", "GHA")
    moderator.send("programme", type="close_segment")
    # A phone opened afterwards learns it from the view, and the card is the segment's.
    phone = delegate_page(browser, site, "GHA", room)
    expect(phone.locator("#lapsed")).to_have_attribute("data-reason", "segment_closed")
    expect(phone.locator("#lapsed-text")).to_have_text(
        "Your request lapsed: the session closed before you were given the floor. "
        "You can still submit your recommendation in writing."
    )
    expect(phone.locator("#card-dimension")).to_have_text("For Action group 1: human dimension")
    # Asking again (here, in a new session of the room) ends the lapse.
    moderator.send("programme", type="open_segment", segment_id=site.seeded.action_group)
    expect(phone.locator("#lapsed")).to_be_hidden()
    expect(phone.locator("#place")).to_have_text("You have not asked for the floor")
    phone.context.close()


# -- C3: beyond the cut-off --------------------------------------------------------------


def test_C3_a_place_beyond_the_cut_off_says_it_is_unlikely_to_be_reached_in_this_phase(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    _speaking(moderator, site.seeded.action_group, "MEX", "GHA", "CHE")
    ghana = moderator.view()["queue"][0]
    # The moderator gives Ghana 80 minutes: the 75-minute phase (A3) cannot hear Switzerland.
    moderator.send("floor", type="set_request_allotment", request_id=ghana["id"], seconds=4800)
    view = moderator.view()
    assert [q["reached"] for q in view["queue"]] == [True, False]
    assert view["cut_off"] == view["queue"][1]["id"]

    reached = delegate_page(browser, site, "GHA", room)
    beyond = delegate_page(browser, site, "CHE", room)
    expect(reached.locator("#place")).to_have_text("Place 1 in the queue")
    expect(reached.locator("#place")).to_have_attribute("data-reached", "true")
    expect(reached.locator("#eta")).not_to_be_empty()
    place = beyond.locator("#place")
    expect(place).to_have_text("Place 2: unlikely to be reached in this phase")
    expect(place).to_have_attribute("data-reached", "false")
    expect(beyond.locator("#eta")).to_be_empty()  # no time is promised
    expect(beyond.locator("#ahead")).to_have_text("1 speaker before you")  # plural forms
    beyond.select_option("#language", "fr")
    expect(place).to_have_text(
        "Position 2 : votre tour ne viendra probablement pas pendant cette phase"
    )
    expect(beyond.locator("#ahead")).to_have_text("1 orateur avant vous")
    beyond.select_option("#language", "ru")
    expect(beyond.locator("#ahead")).to_have_text("Перед вами 1 оратор")
    for page in (reached, beyond):
        page.context.close()


# -- vibration and sound -----------------------------------------------------------------


def test_phone_vibrates_and_sounds_once_when_next_and_once_when_given_the_floor(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group, "MEX", "GHA")
    phone = delegate_page(browser, site, "GHA", room, before=_stubbed)
    quiet = delegate_page(browser, site, "MEX", room, before=_stubbed)
    sound = phone.locator("#sound")
    expect(sound).not_to_be_checked()  # off by default
    sound.check()
    phone.reload()  # remembered on this phone
    expect(phone.locator("body")).to_have_attribute("data-connection", "live")
    expect(sound).to_be_checked()
    expect(quiet.locator("#sound")).not_to_be_checked()
    expect(phone.locator("#place")).to_have_text("Place 2 in the queue")
    # Mexico was already next when its page opened: a view is not a transition.
    expect(quiet.locator("#next-alert")).to_be_visible()
    assert _alerts(phone) == ([], [])
    assert _alerts(quiet) == ([], [])

    moderator.send("floor", type="grant")  # Mexico has the floor: Ghana is next
    expect(phone.locator("#next-alert")).to_be_visible()
    phone.wait_for_function("() => window.__vibrations.length === 1")
    assert _alerts(phone) == ([[300, 150, 300]], [880])
    quiet.wait_for_function("() => window.__vibrations.length === 1")
    assert _alerts(quiet) == ([[600]], [])  # the floor, and no sound: not asked for

    # Redraws while still next change nothing: another request, Mexico starting.
    moderator.send("floor", type="add_request", delegation="CHE")
    moderator.send("speech", type="start")
    expect(phone.locator("#ahead")).to_be_hidden()
    expect(phone.locator("#countdown")).to_have_attribute("data-state", "normal")
    assert _alerts(phone) == ([[300, 150, 300]], [880])

    moderator.send("floor", type="grant")  # Ghana has the floor
    expect(phone.locator("#place")).to_have_text("You have the floor")
    phone.wait_for_function("() => window.__vibrations.length === 2")
    moderator.send("speech", type="start")
    expect(phone.locator("#countdown")).to_have_attribute("data-state", "normal")
    assert _alerts(phone) == ([[300, 150, 300], [600]], [880, 660, 880])
    assert _alerts(quiet) == ([[600]], [])
    for page in (phone, quiet):
        page.context.close()


# -- refusals ----------------------------------------------------------------------------


def test_a_refused_request_disables_the_button_with_its_reason_in_the_pages_language(
    browser: Browser, site: Site
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    moderator.send("programme", type="close_phase")  # the stakeholders' block: no States
    phone = delegate_page(browser, site, "GHA", room)
    phone.select_option("#language", "fr")
    button, reason = phone.locator("#request"), phone.locator("#request-refused")
    expect(button).to_have_text("Demander la parole")
    expect(reason).to_be_hidden()

    button.click()
    expect(button).to_be_disabled()
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("Non effectué : ")
    expect(reason).to_contain_text(
        "Vous pourrez redemander la parole quand l’orateur ou la phase changera."
    )
    assert _inside_viewport(reason.bounding_box())
    assert _inside_viewport(phone.locator("#notice").bounding_box())
    expect(button).to_have_attribute("aria-describedby", "request-refused")
    assert moderator.view()["queue"] == []

    # The room moves on (the next phase): the button is offered again, the reason gone.
    moderator.send("programme", type="close_phase")
    expect(button).to_be_enabled()
    expect(reason).to_be_hidden()
    phone.context.close()


# -- cards at 360 px ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "received"),
    [("en", "Card received"), ("fr", "Fiche reçue"), ("ar", "تم استلام البطاقة")],
)
def test_R2_cards_fit_360_px_and_card_received_shows_beside_the_form(
    browser: Browser, site: Site, language: str, received: str
) -> None:
    room = site.seeded.rooms[0]
    moderator = Moderator(site, room)
    moderator.member_state_phase(site.seeded.action_group)
    phone = delegate_page(browser, site, "GHA", room)
    phone.select_option("#language", language)
    texts = [
        "Establish national referral mechanisms for migrants in vulnerable situations"
        "ThroughOneLongUnbrokenWordThatAPhoneMustWrapSomewhere",
        "Short",
    ]
    status = phone.locator("#card-status")
    for text in texts:
        phone.fill("#card-recommendation", text)
        phone.fill("#card-partnerships", "IOM, UNHCR, civil society networks of the region")
        phone.click("#card-submit")
        expect(phone.locator("#card-list li")).to_have_count(texts.index(text) + 1)
        # Said where the user is: beside the form's buttons, on screen.
        expect(status).to_have_text(received)
        assert _inside_viewport(status.bounding_box())
        assert _inside(status, phone.locator("#card-form"))
    expect(phone.locator("#notice")).to_be_hidden()  # not at the top, out of sight

    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
    items = phone.locator("#card-list li")
    for n in range(items.count()):
        item = items.nth(n)
        edit = item.locator("button")
        expect(edit).to_be_visible()
        assert _inside(edit, item), f"card {n + 1}'s Edit button is clipped"
        box = edit.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 44  # a thumb's target
        # Its label is not cut: the button is as wide as its text.
        assert edit.evaluate("(b) => b.scrollWidth <= b.clientWidth")

    # Editing from the list at the bottom: the form is used and "received" said there.
    items.nth(0).locator("button").click()
    expect(phone.locator("#card-recommendation")).to_be_focused()
    phone.fill("#card-recommendation", "Edited")
    phone.click("#card-submit")
    expect(items.nth(0)).to_contain_text("Edited")
    expect(status).to_be_visible()
    assert _inside_viewport(status.bounding_box())
    cards = httpx.get(
        f"{site.base}/api/rooms/{room}/segments/{site.seeded.action_group}/cards",
        headers=bearer(site.delegate("GHA")),
    ).json()["cards"]
    assert sorted(c["recommendation"] for c in cards) == ["Edited", "Short"]
    phone.context.close()
