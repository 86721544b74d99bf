// The wall: who speaks, the countdown as large as the screen allows, its state told
// by colour AND words, icon and frame (T5), the next speakers, the phase, and the
// guiding questions during an action group's opening (A1). Its language is the
// room's setting, not the viewer's. Each next speaker's estimated start moves with the
// clock while the speaker on the floor runs over, and is never in the past (M7).

import { getJSON, pageToken } from "../shared/commands.js";
import { clockTime, nameOf, phaseTitle, t, useLanguage } from "../shared/i18n.js";
import { setText, showConnection } from "../shared/render.js";
import { connectRoom, runCountdown, speechClock } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

let names = new Map();
let room = null;
let timeZone = undefined; // the meeting's (C1)
let etaCells = []; // [element, starts_at] of the next speakers
let etaSecond = null;

async function main() {
  const directory = await getJSON(`/api/pages/rooms/${roomId}`, token);
  await useLanguage(directory.room.language);
  names = new Map(directory.delegations.map((d) => [d.code, d.names]));
  timeZone = directory.meeting?.timezone;
  document.title = `${directory.room.name} · floorkeeper`;
  room = connectRoom({
    roomId,
    token,
    label: `display ${directory.room.name}`,
    onView: render,
    onConnection: (status) => {
      showConnection(status);
      render();
    },
  });
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"), (now) => {
    const second = Math.floor(now);
    if (second !== etaSecond) {
      etaSecond = second;
      renderEstimates();
    }
  });
  render();
}

// Read by bench/clock.py: [ms left on the countdown, this page's clock in ms], together.
globalThis.floorkeeperCountdown = () => {
  const { seconds } = speechClock(room?.view()?.speech ?? null, room?.now());
  return [seconds == null ? null : seconds * 1000, Date.now()];
};

function render() {
  const view = room?.view();
  const segment = view?.segment ?? null;
  const speech = view?.speech ?? null;
  $("segment-title").textContent = segment ? segment.title : t("segment.none");
  $("phase-title").textContent = segment ? phaseTitle(segment.phase) : "";
  $("speaker-name").textContent = speech
    ? nameOf(names.get(speech.speaker.id), speech.speaker.name)
    : t("floor.free");

  etaCells = [];
  const next = (view?.queue ?? []).map((q) => nextSpeaker(nameOf(names.get(q.delegation_id), q.name), q));
  if (!next.length && segment?.phase?.programme_next) next.push(nextSpeaker(segment.phase.programme_next, null));
  $("next-list").replaceChildren(...next);
  $("next-box").hidden = next.length === 0;
  renderEstimates();

  const questions = segment?.questions ?? [];
  $("questions").replaceChildren(...questions.map(listItem));
  $("questions-box").hidden = questions.length === 0;
}

/** A next speaker: the name, then "about 16:14" while the projection reaches them (C3). */
function nextSpeaker(name, request) {
  const li = document.createElement("li");
  const who = document.createElement("span");
  who.className = "name";
  who.textContent = name;
  li.append(who);
  if (request?.starts_at != null) {
    const eta = document.createElement("span");
    eta.className = "eta";
    li.append(" ", eta);
    etaCells.push([eta, request.starts_at]);
  }
  return li;
}

/** M7: the estimates move with the clock between events, never into the past. */
function renderEstimates() {
  for (const [cell, startsAt] of etaCells) {
    const at = room.estimate(startsAt);
    setText(cell, t("display.eta", { time: clockTime(at, timeZone) }));
    cell.dataset.estimate = String(Math.round(at));
  }
}

function listItem(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

main().catch((error) => {
  $("speaker-name").textContent = error.detail || error.message;
});
