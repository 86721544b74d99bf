// A delegation's phone: a button to ask for the floor (P6, P7), its place and expected
// time (C3), moving with the clock while a speaker runs over (M7), a "you are next"
// alert, and who is speaking now. No toggle (M2): the request button stays a request
// button, so a double tap asks twice, which is harmless; withdrawing is another, smaller
// button that asks first and names the request it withdraws (M1).
// The token names the delegation; the server refuses any other (app.access).
// Below, a recommendation card (R2) for the segment open in the room: recommendation,
// means of implementation, partnerships; the delegation's own cards can be edited until
// the segment's report is closed (R3). The form follows the last segment opened.

import { CommandRefused, Commands, NotConnected, getJSON, newCommandId, pageToken } from "../shared/commands.js";
import { chosenLanguage, clockTime, languagePicker, nameOf, phaseTitle, t, useLanguage } from "../shared/i18n.js";
import { setText, showConnection, showNotice } from "../shared/render.js";
import { connectRoom, runCountdown } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const ROOM_KEY = "floorkeeper.delegate.room";

let me = { delegation: { code: "", names: {} }, meeting: {}, rooms: [] };
let room = null;
let commands = null;
let busy = false;
let asking = false; // the withdrawal's confirm step is open
let wasNext = false;
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

async function main() {
  await useLanguage(chosenLanguage());
  languagePicker($("language"), () => {
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
  $("request").addEventListener("click", requestFloor);
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
  open(Number(picker.value));
}

function initialRoom() {
  const ids = me.rooms.map((r) => String(r.id));
  const asked = new URLSearchParams(location.search).get("room");
  let stored = null;
  try {
    stored = localStorage.getItem(ROOM_KEY);
  } catch {
    // storage blocked
  }
  return [asked, stored].find((id) => ids.includes(id)) ?? ids[0];
}

function rememberRoom(id) {
  try {
    localStorage.setItem(ROOM_KEY, id);
  } catch {
    // not remembered
  }
}

function open(id) {
  roomId = id;
  room?.close();
  wasNext = false;
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
    }
  });
  render();
}

function mine(view) {
  return (view?.queue ?? []).find((q) => q.delegation_id === me.delegation.code) ?? null;
}

async function send(body) {
  busy = true;
  render();
  try {
    await commands.send("requests", { delegation: me.delegation.code, ...body });
    return true;
  } catch (error) {
    if (error instanceof CommandRefused) showNotice(t("notice.refused", { detail: error.detail }));
    else if (error instanceof NotConnected) showNotice(t("notice.disconnected"));
    else showNotice(t("notice.failed"));
    return false;
  } finally {
    busy = false;
    render();
  }
}

/** Ask for the floor; asking again keeps the same place (P6, M2). */
function requestFloor() {
  if (busy) return; // the second tap of a double tap, while the first is on its way
  send({ type: "request" });
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

  const button = $("request");
  const live = room.connected() && Boolean(view?.segment);
  button.dataset.mode = request ? "requested" : "request";
  button.textContent = t(request ? "delegate.requested" : "delegate.request");
  button.disabled = busy || !live || speaking;
  if (!request) asking = false;
  $("withdraw").hidden = !request || asking;
  $("withdraw").disabled = busy || !live;
  $("withdraw-confirm").hidden = !request || !asking;
  $("withdraw-yes").disabled = busy || !live;

  $("place").textContent = speaking
    ? t("delegate.speaking")
    : request
      ? t("delegate.place", { place: request.place })
      : t("delegate.none");
  renderEta();

  const isNext = request?.place === 1 && !speaking && view?.segment?.phase?.kind === "floor";
  $("next-alert").hidden = !isNext;
  document.body.classList.toggle("is-next", isNext);
  if (isNext && !wasNext && "vibrate" in navigator) navigator.vibrate([300, 150, 300]);
  wasNext = isNext;

  $("speaker-name").textContent = speech
    ? nameOf(names.get(speech.speaker.id), speech.speaker.name)
    : t("floor.free");
  $("phase-title").textContent = view?.segment ? phaseTitle(view.segment.phase) : t("segment.none");
  followSegment(view);
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

/** Point the form at the segment open in the room; keep the last one once it closes. */
function followSegment(view) {
  const segmentId = view?.segment?.id;
  if (segmentId == null) return;
  if (cardSegment?.roomId === roomId && cardSegment?.segmentId === String(segmentId)) return;
  cardSegment = { roomId, segmentId: String(segmentId) };
  cardState = { cards: [], closed: false, dimension: view.segment.title };
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
  for (const [field, id] of Object.entries(FIELDS)) $(id).value = card ? card[field] : "";
  renderCards();
  if (card) $("card-recommendation").focus();
}

async function submitCard(event) {
  event.preventDefault();
  if (cardBusy || !cardSegment) return;
  const body = Object.fromEntries(Object.entries(FIELDS).map(([field, id]) => [field, $(id).value]));
  if (!body.recommendation.trim()) {
    showNotice(t("card.empty"));
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
    if (!response.ok) throw new CommandRefused(response.status, answer.detail || response.statusText);
    if (editing == null) cardClientId = newCommandId();
    showNotice(t("card.sent"));
    editCard(null);
    await loadCards();
  } catch (error) {
    if (error instanceof CommandRefused) showNotice(t("notice.refused", { detail: error.detail }));
    else showNotice(t("notice.failed"));
    if (error instanceof CommandRefused && error.status === 409) await loadCards();
  } finally {
    cardBusy = false;
    renderCards();
  }
}

function renderCards() {
  if (!cardSegment) return;
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
