// A delegation's phone: one button to ask for the floor or withdraw (P6, P7), its
// place and expected time (C3), a "you are next" alert, and who is speaking now.
// The token names the delegation; the server refuses any other (app.access).

import { CommandRefused, Commands, NotConnected, getJSON, pageToken } from "../shared/commands.js";
import { chosenLanguage, clockTime, languagePicker, nameOf, t, useLanguage } from "../shared/i18n.js";
import { showConnection, showNotice } from "../shared/render.js";
import { connectRoom, runCountdown } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const ROOM_KEY = "floorkeeper.delegate.room";

let me = { delegation: { code: "", names: {} }, meeting: {}, rooms: [] };
let room = null;
let commands = null;
let busy = false;
let wasNext = false;
let names = new Map(); // every delegation's names, for the speaker on the floor
let stopCountdown = () => {};

async function main() {
  await useLanguage(chosenLanguage());
  languagePicker($("language"), render);
  me = await getJSON("/api/pages/delegate", token);
  const picker = $("room-choice");
  picker.replaceChildren(...me.rooms.map((r) => new Option(r.name, r.id)));
  $("room-row").hidden = me.rooms.length < 2;
  picker.value = String(initialRoom());
  picker.addEventListener("change", () => {
    rememberRoom(picker.value);
    open(Number(picker.value));
  });
  $("request").addEventListener("click", toggleRequest);
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

function open(roomId) {
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
  stopCountdown = runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"));
  render();
}

function mine(view) {
  return (view?.queue ?? []).find((q) => q.delegation_id === me.delegation.code) ?? null;
}

async function toggleRequest() {
  const request = mine(room.view());
  busy = true;
  render();
  try {
    await commands.send("requests", {
      type: request ? "withdraw" : "request",
      delegation: me.delegation.code,
    });
  } catch (error) {
    if (error instanceof CommandRefused) showNotice(t("notice.refused", { detail: error.detail }));
    else if (error instanceof NotConnected) showNotice(t("notice.disconnected"));
    else showNotice(t("notice.failed"));
  } finally {
    busy = false;
    render();
  }
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
  button.dataset.mode = request ? "withdraw" : "request";
  button.textContent = t(request ? "delegate.withdraw" : "delegate.request");
  button.disabled = busy || !room.connected() || !view?.segment || speaking;

  $("place").textContent = speaking
    ? t("delegate.speaking")
    : request
      ? t("delegate.place", { place: request.place })
      : t("delegate.none");
  $("eta").textContent =
    request?.starts_at != null
      ? t("delegate.eta", { time: clockTime(request.starts_at, me.meeting.timezone) })
      : "";

  const isNext = request?.place === 1 && !speaking && view?.segment?.phase?.kind === "floor";
  $("next-alert").hidden = !isNext;
  document.body.classList.toggle("is-next", isNext);
  if (isNext && !wasNext && "vibrate" in navigator) navigator.vibrate([300, 150, 300]);
  wasNext = isNext;

  $("speaker-name").textContent = speech
    ? nameOf(names.get(speech.speaker.id), speech.speaker.name)
    : t("floor.free");
  $("phase-title").textContent = view?.segment?.phase?.title ?? t("segment.none");
}

main().catch((error) => showNotice(error.detail || error.message, 60));
