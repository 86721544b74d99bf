// The console's procedure of formal bodies: points of order (O1) and closed lists (O3).
//
// The points waiting are listed above the requests, in the order they will be heard
// (before every request), each with its own "Hear" (`view.console.hear_point` says
// whether the engine would take it). While one is heard, the panel names the raiser
// and the speech it holds, with the seconds that speech resumes with, and asks for the
// ruling: one line of text, recorded; "Rule" sends it and the held speaker is back,
// paused, for the moderator to resume. "Point of order" beside "Add" raises one on the
// chosen delegation's behalf. "Close the list" and "Reopen the list" are two buttons
// (M2: no toggle), acting on the first remaining floor phase's list, which the
// console names; a closed list is said above the requests.

import { phaseTitle, t } from "../shared/i18n.js";
import { pointOfOrder, rowButton, setText } from "../shared/render.js";
import { clockText } from "../shared/room.js";

const $ = (id) => document.getElementById(id);

/**
 * `desk`: what the console lends this panel: `room`, `send(kind, body, done)`,
 * `change(kind, body, say, undoable)`, `onFloor()`, `nameOf(code, name)`,
 * `chosen()` (the delegation picked in the add form, or null) and `notice(text)`.
 */
export function wirePoints(desk) {
  $("points-list").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action=hear]");
    if (!button || button.disabled) return;
    hear(desk, button.dataset.point);
  });
  $("ruling-form").addEventListener("submit", (event) => {
    event.preventDefault();
    rule(desk);
  });
  $("add-point").addEventListener("click", () => {
    const code = desk.chosen();
    if (!code) return desk.notice(t("add.pick"));
    const name = desk.nameOf(code, code);
    desk.send("requests", { type: "point_of_order", delegation: code }, () =>
      desk.notice(t("console.points.raised", { name })),
    );
  });
  for (const [id, type] of [
    ["act-close-list", "close_list"],
    ["act-reopen-list", "reopen_list"],
  ]) {
    $(id).addEventListener("click", () => {
      const list = listTarget(desk.room.view());
      if (list) desk.send("floor", { type, phase_key: list.key });
    });
  }
}

/** O3: the list the buttons act on: the current floor phase's, else the next one's. */
function listTarget(view) {
  return view?.procedure?.lists?.[0] ?? null;
}

/** O1: hear a point (the speech on the floor is held); undoable, as the floor given (M3). */
function hear(desk, pointId) {
  const view = desk.room.view();
  const point = (view?.procedure?.points ?? []).find((p) => p.id === pointId);
  if (!point) return;
  const name = desk.nameOf(point.delegation_id, point.name);
  desk.change("floor", { type: "hear_point", point_id: point.id, expected_speaker: desk.onFloor() }, () =>
    t("happened.point_heard", { name }),
  );
}

/** O1: the ruling, recorded as text; the held speaker is back, paused, with their seconds. */
async function rule(desk) {
  const input = $("ruling");
  const ruling = input.value.trim();
  if (!ruling) {
    desk.notice(t("console.points.no_ruling"));
    input.focus();
    return;
  }
  const held = desk.room.view()?.procedure?.held ?? null;
  const back = held
    ? t("happened.ruled_back", {
        name: desk.nameOf(held.speaker.id, held.speaker.name),
        time: clockText(held.seconds_left),
      })
    : t("happened.ruled");
  const ack = await desk.change(
    "floor",
    { type: "rule_point", ruling, expected_speaker: desk.onFloor() },
    () => back,
    false, // a ruling is a change since: it spends the undo (M3)
  );
  if (ack) input.value = "";
}

/** Which of the panel's command buttons the view allows (the console disables the rest). */
export function pointButtons(view) {
  const list = listTarget(view);
  const segment = Boolean(view?.segment);
  const heard = Boolean(view?.procedure?.point);
  return {
    // while a point is heard the chair rules first: the engine refuses these (O1)
    "act-end": Boolean(view?.speech) && !heard,
    "act-close-segment": segment && !heard,
    "act-rule": heard,
    "act-close-list": segment && Boolean(list) && !list.closed,
    "act-reopen-list": segment && Boolean(list?.closed),
    "add-point": segment,
  };
}

/** Draw the panel from the view; `live`: commands may be sent now. */
export function renderPoints(view, { live, nameOf }) {
  const procedure = view?.procedure ?? null;
  const points = procedure?.points ?? [];
  const banner = pointOfOrder(view, nameOf);
  $("points").hidden = !banner && points.length === 0;
  const heard = $("point-heard");
  heard.hidden = !banner;
  setText(heard, banner ? [banner.point, banner.held].filter(Boolean).join(" · ") : "");
  heard.dataset.held = banner?.seconds == null ? "" : String(banner.seconds);
  $("ruling-form").hidden = !banner;
  const canHear = live && view?.console?.hear_point === true;
  $("points-list").replaceChildren(
    ...points.map((point) => {
      const li = document.createElement("li");
      li.dataset.point = point.id;
      const place = document.createElement("span");
      place.className = "place";
      place.textContent = String(point.place);
      const name = document.createElement("span");
      name.className = "name";
      const who = nameOf(point.delegation_id, point.name);
      name.textContent = point.on_behalf ? `${who} (${t("badge.on_behalf")})` : who;
      const button = rowButton("hear", t("action.hear"), `${t("action.hear")}: ${who}`, canHear, { point: point.id });
      li.append(place, name, button);
      return li;
    }),
  );
  const list = listTarget(view);
  const title = list ? phaseTitle(list) : "";
  for (const id of ["act-close-list", "act-reopen-list"]) {
    $(id).title = title;
    $(id).setAttribute("aria-label", `${t(id === "act-close-list" ? "action.close_list" : "action.reopen_list")}: ${title}`);
  }
  const closed = (procedure?.lists ?? []).filter((l) => l.closed);
  const state = $("list-state");
  state.hidden = closed.length === 0;
  setText(state, closed.map((l) => t("console.list_closed", { phase: phaseTitle(l) })).join(" "));
}
