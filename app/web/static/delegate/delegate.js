// A delegation's phone: a button to ask for the floor (P6, P7), its place and expected
// time (C3), moving with the clock while a speaker runs over (M7), a "you are next"
// alert, and who is speaking now. No toggle (M2): the request button stays a request
// button, so a double tap asks twice, which is harmless; withdrawing is another, smaller
// button that asks first and names the request it withdraws (M1).
// The token names the delegation; the server refuses any other (app.access).
// Below, a recommendation card (R2) for the segment open in the room: recommendation,
// means of implementation, partnerships; the delegation's own cards can be edited until
// the segment's report is closed (R3). The form follows the last segment opened.
//
// Issue 15, the phone as a delegation uses it at 360×640:
// - a request that lapsed (the phase or the segment closed, or the queue was cleared,
//   before the delegation was heard: the view's `lapsed`, A3) is said so, with the way
//   to a written recommendation card (R2), never "you have not asked";
// - a place beyond the cut-off (C3: the projection's `reached` is false) says it is
//   unlikely to be reached in this phase, rather than a bare place with no time;
// - becoming next and getting the floor vibrate and, if the user turned the sound on
//   (off by default, remembered), play a short tone: once per transition, never on a
//   redraw, a reconnect or the first view of a page just opened;
// - a refused request keeps the button disabled, with the reason beside it, until the
//   speaker, the phase or the segment changes;
// - "Card received" and a card's refusals are said beside the card's buttons.
//
// Issue 16 (O1, O3): a point of order is its own button, below and apart from the
// request, with a confirmation step like the withdrawal's; the page then says the
// delegation's point is waiting (its place among the points) or being heard. While
// any point is heard, "On the floor" says so and names the speech it holds, with the
// seconds it will resume with. A closed list of speakers is said above the buttons.
//
// Issue 16 (O2): where the meeting's rules give a right of reply (`replies.limits`), a
// "Right of reply" button of its own, with the same confirmation step; then the page
// says the reply is waiting (its place in the replies, which reply it is and its limit)
// or has the floor, and how many replies the delegation has left in the segment.

//
// Issue 16 (O4, O7, O8): for each segment of the room whose inscription window (from the
// public programme) is open, "Inscribe" with the level of representation, then the
// place on the inscribed list and "Withdraw inscription"; before the window, when it
// opens, after it, that it closed. Where the segment's rules alternate pro and contra
// (`segment.floor.alternate_stances`), the request is two buttons sending the stance;
// where a group statement has its own allotment (`capacity_seconds`), an option to speak
// on behalf of a group (`speaks_for`); where interposed questions are taken, "Ask a
// question" to the speaker on the floor, then its state (waiting for consent, on the floor).

import { CommandRefused, Commands, NotConnected, getJSON, newCommandId, pageToken } from "../shared/commands.js";
import { chosenLanguage, clockTime, languagePicker, nameOf, phaseTitle, t, useLanguage } from "../shared/i18n.js";
import {
  pointOfOrder,
  replyRank,
  rightOfReply,
  setText,
  showConnection,
  showNotice,
  showPointOfOrder,
  showRightOfReply,
} from "../shared/render.js";
import { clockText, connectRoom, runCountdown } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const ROOM_KEY = "floorkeeper.delegate.room";
const SOUND_KEY = "floorkeeper.delegate.sound";

let me = { delegation: { code: "", names: {} }, meeting: {}, rooms: [] };
let room = null;
let commands = null;
let busy = false;
let asking = false; // the withdrawal's confirm step is open
let raising = false; // the point of order's confirm step is open (O1)
let replying = false; // the right of reply's confirm step is open (O2)
let alerted = null; // "next", "floor" or "" once a view has been seen; null before
let refusal = null; // {detail, at}: the last refused request, while the room stays as it was
let sound = false;
let audio = null; // the AudioContext, made on the user's tap that turns the sound on
let etaSecond = null;
let names = new Map(); // every delegation's names, for the speaker on the floor
let stopCountdown = () => {};
let roomId = null;
// The recommendation card (R2): the segment it is for, its cards, the one being edited.
let cardSegment = null; // {roomId, segmentId}
let cardState = { cards: [], closed: false, dimension: "" };
let editing = null;
let cardClientId = newCommandId(); // a retry of the same submission gives one card
let cardBusy = false;
let programme = []; // O4: the meeting's segments, each with its `inscription` window or null
let inscriptionKey = null; // what the inscription section shows, to rebuild it only on change
const TIERS = ["head_of_state", "head_of_government", "vice_president", "minister", "deputy_minister", "head_of_delegation", "other"];

async function main() {
  await useLanguage(chosenLanguage());
  languagePicker($("language"), () => {
    inscriptionKey = null;
    render();
    renderCards();
  });
  $("card-form").addEventListener("submit", submitCard);
  $("card-new").addEventListener("click", () => editCard(null));
  me = await getJSON("/api/pages/delegate", token);
  const picker = $("room-choice");
  picker.replaceChildren(...me.rooms.map((r) => new Option(r.name, r.id)));
  $("room-row").hidden = me.rooms.length < 2;
  picker.value = String(initialRoom());
  picker.addEventListener("change", () => {
    rememberRoom(picker.value);
    open(Number(picker.value));
  });
  $("request").addEventListener("click", () => requestFloor());
  $("request-pro").addEventListener("click", () => requestFloor("pro"));
  $("request-contra").addEventListener("click", () => requestFloor("contra"));
  $("for-group").addEventListener("change", render);
  $("question").addEventListener("click", askQuestion);
  getJSON(`/api/meetings/${me.meeting.id}`, token)
    .then((found) => {
      programme = found.days.flatMap((d) => d.segments);
      inscriptionKey = null;
      render();
    })
    .catch(() => {}); // no inscription offered
  $("withdraw").addEventListener("click", () => {
    asking = true;
    render();
    $("withdraw-no").focus();
  });
  $("withdraw-no").addEventListener("click", () => {
    asking = false;
    render();
    $("withdraw").focus();
  });
  $("withdraw-yes").addEventListener("click", withdraw);
  $("point").addEventListener("click", () => {
    raising = true;
    render();
    $("point-no").focus();
  });
  $("point-no").addEventListener("click", () => {
    raising = false;
    render();
    $("point").focus();
  });
  $("point-yes").addEventListener("click", raisePoint);
  $("reply").addEventListener("click", () => {
    replying = true;
    render();
    $("reply-no").focus();
  });
  $("reply-no").addEventListener("click", () => {
    replying = false;
    render();
    $("reply").focus();
  });
  $("reply-yes").addEventListener("click", askReply);
  $("lapsed-card").addEventListener("click", goToCard);
  sound = remembered(SOUND_KEY) === "on";
  $("sound").checked = sound;
  $("sound").addEventListener("change", () => {
    sound = $("sound").checked;
    remember(SOUND_KEY, sound ? "on" : "off");
    if (sound) audioContext()?.resume?.(); // a tap: browsers let a page's sound start here
  });
  open(Number(picker.value));
}

function initialRoom() {
  const ids = me.rooms.map((r) => String(r.id));
  const asked = new URLSearchParams(location.search).get("room");
  return [asked, remembered(ROOM_KEY)].find((id) => ids.includes(id)) ?? ids[0];
}

function rememberRoom(id) {
  remember(ROOM_KEY, id);
}

function remembered(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage blocked
  }
}

function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered
  }
}

function open(id) {
  roomId = id;
  room?.close();
  alerted = null;
  refusal = null;
  getJSON(`/api/pages/rooms/${roomId}`, token)
    .then((directory) => {
      names = new Map(directory.delegations.map((d) => [d.code, d.names]));
      render();
    })
    .catch(() => {}); // the English name from the room view still shows
  room = connectRoom({
    roomId,
    token,
    label: `delegate ${me.delegation.code}`,
    onView: render,
    onConnection: (status) => {
      showConnection(status);
      render();
    },
  });
  commands = new Commands({ roomId, token, isConnected: () => room.connected() });
  stopCountdown();
  stopCountdown = runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"), (now) => {
    const second = Math.floor(now);
    if (second !== etaSecond) {
      etaSecond = second;
      renderEta();
      renderInscriptions(room.view());
    }
  });
  render();
}

function mine(view) {
  return (view?.queue ?? []).find((q) => q.delegation_id === me.delegation.code) ?? null;
}

/** O1: the delegation's own point of order waiting, or null. */
function myPoint(view) {
  return (view?.procedure?.points ?? []).find((p) => p.delegation_id === me.delegation.code) ?? null;
}

/** A3, R2: the delegation's last request closed as not heard, while it has not asked again. */
function lapsed(view) {
  return (view?.lapsed ?? []).find((l) => l.delegation_id === me.delegation.code) ?? null;
}

/** What a refusal of a request holds to: it stands while none of these change. */
function roomKey(view) {
  const phase = view?.segment?.phase;
  return [view?.segment?.id, phase?.index, phase?.closing, view?.speech?.speaker?.id, mine(view)?.id].join("|");
}

async function send(body) {
  busy = true;
  render();
  try {
    await commands.send("requests", { delegation: me.delegation.code, ...body });
    refusal = null;
    return true;
  } catch (error) {
    if (error instanceof CommandRefused) {
      if (body.type === "request") refusal = { detail: error.detail, at: roomKey(room.view()) };
      showNotice(t("notice.refused", { detail: error.detail }));
    }
    else if (error instanceof NotConnected) showNotice(t("notice.disconnected"));
    else showNotice(t("notice.failed"));
    return false;
  } finally {
    busy = false;
    render();
    // a refusal's reason can be long (six languages): the delegate must see it whole
    if (refusal && body.type === "request") $("request-refused").scrollIntoView({ block: "nearest" });
  }
}

/** Ask for the floor; asking again keeps the same place (P6, M2). O8: with a stance;
 * O7: on behalf of a group, where asked. */
function requestFloor(stance) {
  if (busy) return; // the second tap of a double tap, while the first is on its way
  const body = { type: "request" };
  if (stance) body.stance = stance;
  const group = chosenGroup();
  if (group) body.speaks_for = group;
  send(body);
}

/** O7: the group the request speaks for, or "" (the option off, or no name given). */
function chosenGroup() {
  if ($("group-row").hidden || !$("for-group").checked) return "";
  const picked = $("group-choice").hidden ? $("group-text").value : $("group-choice").value;
  return picked.trim();
}

/** O8: an interposed question to the speaker on the floor, named (M1). */
async function askQuestion() {
  if (busy) return;
  const speaker = room.view()?.speech?.speaker?.id;
  if (!speaker) return;
  await send({ type: "question", expected_speaker: speaker });
}

/** O1: raise a point of order, once confirmed; a second one while it waits changes nothing. */
async function raisePoint() {
  raising = false;
  if (busy) return;
  await send({ type: "point_of_order" });
}

/** O2: ask for a right of reply, once confirmed; a second press while it waits changes nothing. */
async function askReply() {
  replying = false;
  if (busy) return;
  await send({ type: "reply" });
}

/** Withdraw the request the page shows, once confirmed; never a newer one (M1). */
async function withdraw() {
  const request = mine(room.view());
  asking = false;
  if (!request) return render();
  await send({ type: "withdraw", request_id: request.id });
}

function render() {
  const code = me.delegation.code;
  const name = nameOf(me.delegation.names, code);
  $("delegation-name").textContent = name;
  document.title = `${name} · floorkeeper`;
  if (!room) return;
  const view = room.view();
  const request = mine(view);
  const speech = view?.speech ?? null;
  const speaking = speech?.speaker?.id === code;
  const held = view?.procedure?.held?.speaker?.id === code ? view.procedure.held : null; // O1

  const lapse = request ? null : lapsed(view);
  if (refusal && refusal.at !== roomKey(view)) refusal = null; // the room moved on: try again

  const button = $("request");
  const live = room.connected() && Boolean(view?.segment);
  button.dataset.mode = request ? "requested" : "request";
  button.textContent = t(request ? "delegate.requested" : "delegate.request");
  button.disabled = busy || !live || speaking || Boolean(held) || Boolean(refusal);
  const refused = $("request-refused");
  refused.hidden = !refusal;
  setText(refused, refusal ? `${t("notice.refused", { detail: refusal.detail })} ${t("delegate.refused_until")}` : "");
  if (!request) asking = false;
  $("withdraw").hidden = !request || asking;
  $("withdraw").disabled = busy || !live;
  $("withdraw-confirm").hidden = !request || !asking;
  $("withdraw-yes").disabled = busy || !live;

  renderPoint(view, live);
  renderReply(view, live);
  renderKinds(view, live, request, speaking);
  renderInscriptions(view);

  // C3: a place the phase's time cannot reach is said so, rather than a place with no time.
  const unreached = Boolean(request && view?.segment && request.reached === false);
  const place = $("place");
  place.dataset.reached = request ? String(!unreached) : "";
  place.textContent = speaking
    ? t("delegate.speaking")
    : held
      ? t("delegate.held", { time: clockText(held.seconds_left) })
      : request
      ? placeText(request, unreached)
      : lapse
        ? t("delegate.not_heard")
        : t("delegate.none");
  const ahead = request && !speaking && request.place > 1 ? request.place - 1 : 0;
  $("ahead").hidden = !ahead;
  setText($("ahead"), ahead ? t("delegate.ahead", { count: ahead }) : "");
  renderEta();
  renderLapse(speaking ? null : lapse);

  const isNext = request?.place === 1 && !speaking && view?.segment?.phase?.kind === "floor";
  $("next-alert").hidden = !isNext;
  document.body.classList.toggle("is-next", isNext);
  // a speech held by a point of order is still the delegation's floor: no second alert
  alertOnce(speaking || held ? "floor" : isNext ? "next" : "", Boolean(view));

  $("speaker-name").textContent = speech
    ? nameOf(names.get(speech.speaker.id), speech.speaker.name)
    : t("floor.free");
  $("phase-title").textContent = view?.segment ? phaseTitle(view.segment.phase) : t("segment.none");
  followSegment(view);
}

function placeText(request, unreached) {
  const stance = request.stance === "pro" || request.stance === "contra" ? request.stance : null;
  let text = unreached
    ? t("delegate.unreached", { place: request.place })
    : stance
      ? t("delegate.place_stance", { place: request.place, stance: t(`delegate.stance.${stance}`) })
      : t("delegate.place", { place: request.place });
  if (request.speaks_for) text += ` · ${t("delegate.speaks_for", { group: request.speaks_for })}`;
  return text;
}

/** O7, O8: the stance buttons, the group option and the interposed question. */
function renderKinds(view, live, request, speaking) {
  const code = me.delegation.code;
  const floor = view?.segment?.floor ?? null;
  const stances = Boolean(floor?.alternate_stances) && !request;
  const button = $("request");
  $("stance-row").hidden = !stances;
  button.hidden = stances;
  for (const id of ["request-pro", "request-contra"]) $(id).disabled = button.disabled;
  // O7: a statement on behalf of a group
  const capacity = floor?.capacity_seconds != null && !request;
  $("group-row").hidden = !capacity;
  const groups = floor?.groups ?? [];
  const choice = $("group-choice");
  if (choice.dataset.groups !== groups.join("|")) {
    choice.dataset.groups = groups.join("|");
    choice.replaceChildren(...groups.map((g) => new Option(g, g)));
  }
  $("group-pick").hidden = !capacity || !$("for-group").checked;
  choice.hidden = groups.length === 0;
  $("group-text").hidden = groups.length > 0;
  // O8: an interposed question
  const speech = view?.speech ?? null;
  const waiting = (view?.interposed?.waiting ?? []).find((q) => q.delegation_id === code) ?? null;
  const asking = speaking && speech?.basis === "question";
  const offered = Boolean(floor?.interposed_questions) && Boolean(speech) && (!speaking || asking);
  $("question-box").hidden = !offered;
  $("question").hidden = asking;
  $("question").disabled = busy || !live || Boolean(waiting);
  const state = $("question-state");
  const said = asking
    ? t("delegate.question_speaking", { seconds: Math.round(speech.allotted ?? 0) })
    : waiting
      ? t("delegate.question_waiting")
      : "";
  state.hidden = !said || !offered;
  state.dataset.question = asking ? "speaking" : waiting ? "waiting" : "";
  setText(state, said);
}

/** O4: the segments of this room whose inscription window is set, not yet open. */
function renderInscriptions(view) {
  const box = $("inscriptions");
  if (!room) return;
  const code = me.delegation.code;
  const now = room.now();
  const openId = view?.segment?.id;
  const rows = programme
    .filter((s) => s.inscription && s.room_id === roomId && String(s.id) !== String(openId))
    .map((s) => {
      const list = (view?.inscriptions ?? []).find((l) => String(l.segment_id) === String(s.id));
      const entry = list?.entries.find((e) => e.delegation_id === code) ?? null;
      const { opens_at: opens, deadline } = s.inscription;
      const status = now < opens ? "before" : now > deadline ? "closed" : "open";
      return { segment: s, entry, status };
    });
  const key = JSON.stringify([busy, rows.map((r) => [r.segment.id, r.status, r.entry?.place ?? 0, r.entry?.tier])]);
  if (key === inscriptionKey) return;
  inscriptionKey = key;
  box.hidden = rows.length === 0;
  box.replaceChildren(...rows.map(inscriptionRow));
}

function inscriptionRow({ segment, entry, status }) {
  const zone = me.meeting.timezone;
  const item = document.createElement("div");
  item.className = "inscription";
  item.dataset.segmentId = String(segment.id);
  item.dataset.status = status;
  const heading = document.createElement("h2");
  heading.textContent = t("delegate.inscribe_heading", { segment: segment.title });
  item.append(heading);
  const line = (text, className = "") => {
    const p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    item.append(p);
    return p;
  };
  if (entry) line(t("delegate.inscribed", { place: entry.place }), "inscribed");
  if (status === "before") {
    line(t("delegate.inscription_opens", { time: clockTime(segment.inscription.opens_at, zone) }), "window");
  } else if (status === "closed") {
    line(t("delegate.inscription_closed"), "window");
  } else if (entry) {
    line(t("delegate.inscription_until", { time: clockTime(segment.inscription.deadline, zone) }), "window muted");
    const withdrawing = document.createElement("button");
    withdrawing.type = "button";
    withdrawing.className = "secondary-button withdraw-inscription";
    withdrawing.textContent = t("delegate.withdraw_inscription");
    withdrawing.disabled = busy;
    withdrawing.addEventListener("click", () => inscription({ type: "withdraw_inscription", segment_id: segment.id }));
    item.append(withdrawing);
  } else {
    line(t("delegate.inscription_until", { time: clockTime(segment.inscription.deadline, zone) }), "window muted");
    const label = document.createElement("label");
    label.textContent = t("delegate.tier_label");
    const select = document.createElement("select");
    select.className = "tier";
    select.replaceChildren(...TIERS.map((tier) => new Option(t(`tier.${tier}`), tier)));
    select.value = "head_of_delegation";
    label.append(select);
    const inscribe = document.createElement("button");
    inscribe.type = "button";
    inscribe.className = "inscribe";
    inscribe.textContent = t("delegate.inscribe");
    inscribe.disabled = busy;
    inscribe.addEventListener("click", () =>
      inscription({ type: "inscribe", segment_id: segment.id, tier: select.value }),
    );
    item.append(label, inscribe);
  }
  return item;
}

/** O4: inscribe or withdraw the inscription; a refusal is said with the server's reason. */
async function inscription(body) {
  if (busy) return;
  busy = true;
  render();
  try {
    await commands.send("inscriptions", { delegation: me.delegation.code, ...body });
  } catch (error) {
    if (error instanceof CommandRefused) showNotice(t("notice.refused", { detail: error.detail }));
    else if (error instanceof NotConnected) showNotice(t("notice.disconnected"));
    else showNotice(t("notice.failed"));
  } finally {
    busy = false;
    render();
  }
}

/** O1, O3: the point of order button and its state, the point heard, a closed list. */
function renderPoint(view, live) {
  const code = me.delegation.code;
  const waiting = myPoint(view);
  const heard = view?.procedure?.point ?? null;
  const mineHeard = heard?.delegation_id === code;
  if (waiting || mineHeard) raising = false;
  const point = $("point");
  point.hidden = raising;
  point.disabled = busy || !live || Boolean(waiting) || mineHeard;
  $("point-confirm").hidden = !raising;
  $("point-yes").disabled = busy || !live;
  const state = $("point-state");
  const said = mineHeard
    ? t("delegate.point_heard")
    : waiting
      ? t("delegate.point_waiting", { place: waiting.place })
      : "";
  state.hidden = !said;
  state.dataset.point = mineHeard ? "heard" : waiting ? "waiting" : "";
  setText(state, said);
  showPointOfOrder($("point-banner"), pointOfOrder(view, (c, n) => nameOf(names.get(c), n)));
  // O3: the list a request of this delegation would join: the first that hears it
  const category = me.delegation.category;
  const list = (view?.procedure?.lists ?? []).find((l) => (l.eligible ?? []).includes(category));
  const closed = Boolean(list?.closed);
  $("list-closed").hidden = !closed;
  setText($("list-closed"), closed ? t("delegate.list_closed", { phase: phaseTitle(list) }) : "");
}

/** O2: the right of reply button, shown where the rules give one; its state and count. */
function renderReply(view, live) {
  const code = me.delegation.code;
  const replies = view?.replies ?? null;
  const limits = replies?.limits ?? [];
  showRightOfReply($("reply-label"), rightOfReply(view));
  $("reply-box").hidden = limits.length === 0;
  if (limits.length === 0) {
    replying = false;
    return;
  }
  const waiting = replies.waiting.find((r) => r.delegation_id === code) ?? null;
  const speaking = replies.speaking?.delegation_id === code && view.speech?.basis === "reply";
  const used = replies.counts.find((c) => c.delegation_id === code);
  const left = used ? used.left : limits.length;
  if (waiting || left === 0) replying = false;
  const button = $("reply");
  button.hidden = replying;
  button.disabled = busy || !live || Boolean(waiting) || left === 0;
  $("reply-confirm").hidden = !replying;
  $("reply-yes").disabled = busy || !live;
  const state = $("reply-state");
  const said = waiting
    ? t("delegate.reply_waiting", {
        place: waiting.place,
        rank: replyRank(waiting.rank),
        time: clockText(waiting.seconds ?? 0),
      })
    : speaking
      ? t("delegate.reply_speaking", { rank: replyRank(replies.speaking.rank) })
      : "";
  state.hidden = !said;
  state.dataset.reply = waiting ? "waiting" : speaking ? "speaking" : "";
  setText(state, said);
  const leftText = left === 0 ? t("delegate.replies_none_left") : t("delegate.replies_left", { count: left });
  $("reply-left").dataset.left = String(left);
  setText($("reply-left"), leftText);
}

/** R2: the request lapsed; the card is the way left to be heard. */
function renderLapse(lapse) {
  const box = $("lapsed");
  box.hidden = !lapse;
  box.dataset.reason = lapse?.reason ?? "";
  if (!lapse) return;
  setText($("lapsed-text"), `${t(`delegate.lapsed.${lapse.reason}`)} ${t("delegate.lapsed.written")}`);
  $("lapsed-card").hidden = !cardSegment || cardState.closed;
}

function goToCard() {
  editCard(null);
  $("card").scrollIntoView({ block: "start" });
  $("card-recommendation").focus({ preventScroll: true });
}

/**
 * Vibrate, and sound if asked, when the delegation becomes next and when it gets the
 * floor: once per transition. The first view a page holds sets the state, silently
 * (opening the page, or another room, is not a transition).
 */
function alertOnce(state, seen) {
  if (!seen) return;
  const before = alerted;
  alerted = state;
  if (before === null || state === before || !state) return;
  const floor = state === "floor";
  if ("vibrate" in navigator) navigator.vibrate(floor ? [600] : [300, 150, 300]);
  if (sound) tone(floor ? [660, 880] : [880]);
}

function audioContext() {
  const Context = window.AudioContext ?? window.webkitAudioContext;
  if (!audio && Context) audio = new Context();
  return audio;
}

/** A short beep per frequency, one after the other: no audio file needed. */
function tone(frequencies) {
  const context = audioContext();
  if (!context) return;
  context.resume?.();
  frequencies.forEach((frequency, i) => {
    const start = context.currentTime + i * 0.25;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, start);
    gain.gain.exponentialRampToValueAtTime(0.001, start + 0.2);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.2);
  });
}

/** M7: "expected about 16:14", moved with the clock while the speaker runs over. */
function renderEta() {
  const view = room?.view();
  const request = mine(view);
  const at = request && view?.speech?.speaker?.id !== me.delegation.code ? room.estimate(request.starts_at) : null;
  const eta = $("eta");
  setText(eta, at == null ? "" : t("delegate.eta", { time: clockTime(at, me.meeting.timezone) }));
  eta.dataset.estimate = at == null ? "" : String(Math.round(at));
}

// -- the recommendation card (R2) ------------------------------------------------------

function cardPath(tail = "cards") {
  const { roomId: r, segmentId: s } = cardSegment;
  return `/api/rooms/${encodeURIComponent(r)}/segments/${encodeURIComponent(s)}/${tail}`;
}

/** Point the form at the segment open in the room; keep the last one once it closes.
 * With none open, a lapsed request's segment (R2: its written recommendation). */
function followSegment(view) {
  const lapse = view?.segment ? null : lapsed(view);
  const segmentId = view?.segment?.id ?? lapse?.segment_id;
  if (segmentId == null) return;
  if (cardSegment?.roomId === roomId && cardSegment?.segmentId === String(segmentId)) return;
  cardSegment = { roomId, segmentId: String(segmentId) };
  cardState = { cards: [], closed: false, dimension: view?.segment?.title ?? "" }; // the server's, once loaded
  editCard(null);
  $("card").hidden = false;
  loadCards();
}

async function loadCards() {
  const asked = cardSegment;
  try {
    const answer = await getJSON(cardPath(), token);
    if (asked !== cardSegment) return; // the room moved on meanwhile
    cardState = answer;
    renderCards();
  } catch (error) {
    showNotice(t("notice.refused", { detail: error.detail || error.message }));
  }
}

const FIELDS = { recommendation: "card-recommendation", means_of_implementation: "card-means", partnerships: "card-partnerships" };

function editCard(card) {
  editing = card ? card.id : null;
  $("card-status").hidden = true;
  for (const [field, id] of Object.entries(FIELDS)) $(id).value = card ? card[field] : "";
  renderCards();
  if (card) $("card-recommendation").focus();
}

async function submitCard(event) {
  event.preventDefault();
  if (cardBusy || !cardSegment) return;
  const body = Object.fromEntries(Object.entries(FIELDS).map(([field, id]) => [field, $(id).value]));
  if (!body.recommendation.trim()) {
    cardStatus(t("card.empty"), true);
    $("card-recommendation").focus();
    return;
  }
  const [method, path] = editing == null ? ["POST", cardPath()] : ["PATCH", cardPath(`cards/${editing}`)];
  if (editing == null) body.client_id = cardClientId;
  cardBusy = true;
  renderCards();
  try {
    const response = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new CommandRefused(response.status, answer.detail ? answer : response.statusText);
    if (editing == null) cardClientId = newCommandId();
    editCard(null);
    await loadCards();
    cardStatus(t("card.sent"));
  } catch (error) {
    if (error instanceof CommandRefused) cardStatus(t("notice.refused", { detail: error.detail }), true);
    else cardStatus(t("notice.failed"), true);
    if (error instanceof CommandRefused && error.status === 409) await loadCards();
  } finally {
    cardBusy = false;
    renderCards();
  }
}

/** Said beside the card's buttons, where the user is (a live region), not at the top. */
function cardStatus(text, problem = false) {
  const status = $("card-status");
  status.textContent = text;
  status.dataset.problem = String(problem);
  status.hidden = false;
  status.scrollIntoView({ block: "nearest" });
}

function renderCards() {
  if (!cardSegment) return;
  if (!$("lapsed").hidden) $("lapsed-card").hidden = cardState.closed;
  const { cards, closed } = cardState;
  $("card-dimension").textContent = t("card.hint", { dimension: cardState.dimension });
  $("card-form").hidden = closed;
  $("card-closed").hidden = !closed;
  $("card-submit").textContent = t(editing == null ? "card.submit" : "card.save");
  $("card-submit").disabled = cardBusy;
  $("card-new").hidden = editing == null;
  $("card-mine-heading").hidden = cards.length === 0;
  $("card-list").replaceChildren(
    ...cards.map((card) => {
      const item = document.createElement("li");
      item.dataset.cardId = String(card.id);
      item.dataset.chosen = String(card.chosen);
      const text = document.createElement("p");
      text.textContent = card.recommendation;
      item.append(text);
      if (!closed) {
        const edit = document.createElement("button");
        edit.type = "button";
        edit.className = "secondary-button";
        edit.textContent = t("card.edit");
        edit.disabled = editing === card.id;
        edit.addEventListener("click", () => editCard(card));
        item.append(edit);
      }
      return item;
    }),
  );
}

main().catch((error) => showNotice(error.detail || error.message, 60));
