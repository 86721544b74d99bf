// The wall: the room, the time of day (C1), who speaks, the countdown as large as the
// screen allows with its allotment and a progress bar, its state told by colour AND
// words, icon and frame (T5), the next speakers and how many wait, the phase, and the
// guiding questions (A1: first during the opening, in a side panel while the floor is
// open). Its language is the room's setting, or the screen's own `?lang=`. Each next
// speaker's estimated start moves with the clock while the speaker on the floor runs
// over, and is never in the past (M7). Offline, a banner says so and the countdown is
// marked as not live (room.js). While a point of order is heard (O1), a banner says so
// above the raiser's name, with the speech it holds and the seconds that speech has left;
// while an interposed question is put (O8), the same banner says who asks whom.
// While a right of reply has the floor (O2), "Right of reply" is said above the name; the
// countdown is the reply's limit.

import { getJSON, pageToken } from "../shared/commands.js";
import { clockTime, nameOf, phaseTitle, t, useLanguage } from "../shared/i18n.js";
import { interposedQuestion, pointOfOrder, rightOfReply, setText, showPointOfOrder, showRightOfReply } from "../shared/render.js";
import { connectRoom, runCountdown, speechClock } from "../shared/room.js";
import {
  allotmentText,
  programmeName,
  programmeOf,
  screenLanguage,
  segmentTitle,
  showScreenConnection,
  usedFraction,
} from "./screen.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

let names = new Map();
let programme = new Map();
let room = null;
let timeZone = undefined; // the meeting's (C1)
let etaCells = []; // [element, starts_at] of the next speakers
let etaSecond = null;

async function main() {
  const directory = await getJSON(`/api/pages/rooms/${roomId}`, token);
  await useLanguage(screenLanguage(directory.room.language));
  names = new Map(directory.delegations.map((d) => [d.code, d.names]));
  programme = programmeOf(directory);
  timeZone = directory.meeting?.timezone;
  document.title = `${directory.room.name} · floorkeeper`;
  $("room-name").textContent = directory.room.name;
  room = connectRoom({
    roomId,
    token,
    label: `display ${directory.room.name}`,
    onView: render,
    onConnection: (status) => {
      showScreenConnection(status);
      render();
    },
  });
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"), (now) => {
    drawProgress(now);
    const second = Math.floor(now);
    if (second !== etaSecond) {
      etaSecond = second;
      setText($("time-of-day"), clockTime(now, timeZone));
      renderEstimates();
    }
  });
  render();
}

// Read by bench/clock.py: [ms left on the countdown, this page's clock in ms], at one
// instant (two readings of the clock could straddle a pause of the page's thread).
globalThis.floorkeeperCountdown = () => {
  const at = Date.now();
  const { seconds } = speechClock(room?.view()?.speech ?? null, room?.now(at / 1000));
  return [seconds == null ? null : seconds * 1000, at];
};

function render() {
  const view = room?.view();
  const segment = view?.segment ?? null;
  const speech = view?.speech ?? null;
  $("segment-title").textContent = segment ? segmentTitle(programme, segment) : t("segment.none");
  $("phase-title").textContent = segment ? phaseTitle(segment.phase) : "";
  $("speaker-name").textContent = speech
    ? nameOf(names.get(speech.speaker.id), programmeName(programme, segment, speech.speaker.name))
    : t("floor.free");
  setText($("allotment"), allotmentText(speech));
  const named = (code, name) => nameOf(names.get(code), name);
  showPointOfOrder($("point-banner"), pointOfOrder(view, named) ?? interposedQuestion(view, named));
  showRightOfReply($("reply-label"), rightOfReply(view));

  etaCells = [];
  const next = (view?.queue ?? []).map((q) => nextSpeaker(nameOf(names.get(q.delegation_id), q.name), q));
  const upcoming = segment?.phase?.programme_next;
  if (!next.length && upcoming) next.push(nextSpeaker(programmeName(programme, segment, upcoming), null));
  $("next-list").replaceChildren(...next);
  $("next-box").hidden = next.length === 0;
  const waiting = view?.wall?.waiting ?? view?.queue?.length ?? 0;
  setText($("waiting"), waiting ? t("display.waiting", { count: waiting }) : "");
  renderEstimates();

  // A1: the guiding questions first during the opening, then beside the floor.
  const questions = view?.wall?.questions ?? segment?.questions ?? [];
  $("questions").replaceChildren(...questions.map(listItem));
  $("questions-box").hidden = questions.length === 0;
  $("questions-box").dataset.focus = String(Boolean(view?.wall?.questions_focus));
}

/** The bar beside the countdown: the share of the allotment used, in the T5 state's colour. */
function drawProgress(now) {
  const speech = room.view()?.speech ?? null;
  const { state, seconds } = speechClock(speech, now);
  const bar = $("progress");
  bar.dataset.state = state;
  bar.style.setProperty("--used", usedFraction(speech, seconds).toFixed(4));
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
