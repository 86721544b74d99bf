// The console's time contingents (O9): what each group has left of its speaking time.
//
// Shown only where the meeting's rules give contingents (`view.console.contingents`).
// The server's `left` changes when a member's speech ends (the engine draws it down
// then); meanwhile the panel draws down the speech on the floor as it runs, from the
// same figures the countdown uses (`allotted` less the seconds left), so that the chair
// sees a group run out while its member speaks. A point of order and an interposed
// question draw nothing (O1, O8), so neither moves the figure. A group below a quarter
// of its budget is marked low; one below zero (overtime, warned by the engine) is
// marked overdrawn, in words as well as colour. Seconds left are rounded up and seconds
// over rounded down, as the countdown rounds them (T5).

import { t } from "../shared/i18n.js";
import { textElement } from "../shared/render.js";
import { clockText, speechClock } from "../shared/room.js";

const $ = (id) => document.getElementById(id);

/** Bases of the speeches that draw nothing from a contingent (O1, O8). */
const DRAWS_NOTHING = new Set(["point_of_order", "question"]);

/** Seconds the speech on the floor has spoken so far (overtime included), or 0. */
export function spokenSoFar(speech, now) {
  if (!speech || DRAWS_NOTHING.has(speech.basis)) return 0;
  const { seconds } = speechClock(speech, now);
  return seconds == null ? 0 : Math.max(0, speech.allotted - seconds);
}

/** Each group with what it has left now: the server's figure less the running speech. */
export function contingentsNow(view, now) {
  const groups = view?.console?.contingents ?? [];
  const speech = view?.speech ?? null;
  const speaker = speech?.speaker?.id ?? null;
  const spoken = spokenSoFar(speech, now);
  return groups.map((group) => {
    const speaking = speaker !== null && group.members.includes(speaker);
    const left = speaking ? group.left - spoken : group.left;
    const state = left < 0 ? "overdrawn" : left < group.seconds / 4 ? "low" : "ok";
    return { ...group, left, speaking, state };
  });
}

/** Draw the panel from the view at `now` (the server's clock); called every second too. */
export function renderContingents(view, now) {
  const groups = contingentsNow(view, now);
  $("contingents").hidden = groups.length === 0;
  if (groups.length === 0) return;
  const lines = groups.map((group) => {
    const total = clockText(group.seconds);
    return {
      group: group.group,
      state: group.state,
      speaking: group.speaking,
      per: t(group.per === "meeting" ? "console.contingents.per_meeting" : "console.contingents.per_segment"),
      left:
        group.left < 0
          ? t("console.contingents.over", { over: clockText(Math.floor(-group.left)), total })
          : t("console.contingents.left", { left: clockText(group.left), total }),
    };
  });
  // Redrawn every second: the rows are replaced only when what they say has changed.
  const list = $("contingents-list");
  const said = JSON.stringify(lines);
  if (list.dataset.said === said) return;
  list.dataset.said = said;
  list.replaceChildren(...lines.map(row));
}

function row(line) {
  const li = document.createElement("li");
  li.dataset.group = line.group;
  li.dataset.state = line.state;
  li.dataset.speaking = String(line.speaking);
  li.append(textElement("span", "name", line.group), textElement("span", "per muted", line.per), textElement("span", "left", line.left));
  if (line.speaking) li.append(textElement("span", "speaking", t("console.contingents.speaking")));
  return li;
}

