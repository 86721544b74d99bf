// The wall: who speaks, the countdown as large as the screen allows, its state told
// by colour AND words, icon and frame (T5), the next speakers, the phase, and the
// guiding questions during an action group's opening (A1). Its language is the
// room's setting, not the viewer's.

import { getJSON, pageToken } from "../shared/commands.js";
import { nameOf, phaseTitle, t, useLanguage } from "../shared/i18n.js";
import { showConnection } from "../shared/render.js";
import { connectRoom, runCountdown, speechClock } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

let names = new Map();
let room = null;

async function main() {
  const directory = await getJSON(`/api/pages/rooms/${roomId}`, token);
  await useLanguage(directory.room.language);
  names = new Map(directory.delegations.map((d) => [d.code, d.names]));
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
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"));
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

  const next = (view?.queue ?? []).map((q) => nameOf(names.get(q.delegation_id), q.name));
  if (!next.length && segment?.phase?.programme_next) next.push(segment.phase.programme_next);
  $("next-list").replaceChildren(...next.map(listItem));
  $("next-box").hidden = next.length === 0;

  const questions = segment?.questions ?? [];
  $("questions").replaceChildren(...questions.map(listItem));
  $("questions-box").hidden = questions.length === 0;
}

function listItem(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

main().catch((error) => {
  $("speaker-name").textContent = error.detail || error.message;
});
