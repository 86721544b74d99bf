// The console's Model UN (O11): yields and moderated caucuses, where the segment's rules
// take them (`segment.floor.yields`, `segment.floor.caucuses`).
//
// While a speech of the general speakers' list is on the floor (not a reply, a point
// of order, a question, yielded time or a caucus speech) and it has not yielded yet,
// the panel offers the yields the rules take: "Yield to a delegate" (the delegation
// picked in the panel's list), "Yield to questions" and "Yield to the chair", each
// naming the speaker on the floor (`expected_speaker`, M1). While a yield to questions
// runs, "Call questioner" calls the delegation picked, and the budget left is shown
// from `view.yielded` (its `ends_at` against the room's clock while it runs, else its
// `seconds_left`).
//
// On a free floor with no caucus running, a small form opens a moderated caucus: its
// topic, its total minutes and seconds per speaker (the rules' defaults,
// `floor.caucus_seconds` and `floor.caucus_speaker_seconds`). While one runs the panel
// says its topic and the time left (`caucus.ends_at` against the room's clock: a view
// carries deadlines, never ticking numbers), "Call speaker" calls the delegation picked
// and "Close caucus" closes it, after a confirmation.

import { duration, nameOf, t } from "../shared/i18n.js";
import { setText } from "../shared/render.js";

const $ = (id) => document.getElementById(id);

/** Bases of speeches that are not a speech on substance of the list: no yield (O11). */
const NOT_OF_THE_LIST = new Set(["programme", "point_of_order", "reply", "question", "yielded", "caucus"]);

/**
 * `desk`: what the console lends this panel (see points.js), and `delegations()` (the
 * room's, from the page's directory) and `confirm(text, action)`.
 */
export function wireCaucus(desk) {
  const picked = () => $("mun-delegation").value || null;
  $("act-yield-delegate").addEventListener("click", () => {
    const code = picked();
    if (!code) return desk.notice(t("add.pick"));
    const name = desk.nameOf(code, code);
    desk.change("floor", { type: "yield", kind: "delegate", to: code, expected_speaker: desk.onFloor() }, () =>
      t("happened.yielded_delegate", { name }),
    );
  });
  $("act-yield-questions").addEventListener("click", () =>
    desk.send("floor", { type: "yield", kind: "questions", expected_speaker: desk.onFloor() }, () =>
      desk.notice(t("happened.yielded_questions")),
    ),
  );
  $("act-yield-chair").addEventListener("click", () =>
    desk.change("floor", { type: "yield", kind: "chair", expected_speaker: desk.onFloor() }, () =>
      t("happened.yielded_chair"),
    ),
  );
  $("act-call-questioner").addEventListener("click", () => {
    const code = picked();
    if (!code) return desk.notice(t("add.pick"));
    const name = desk.nameOf(code, code);
    desk.send("floor", { type: "call_questioner", delegation: code, expected_speaker: desk.onFloor() }, () =>
      desk.notice(t("console.caucus.questioner_called", { name })),
    );
  });
  $("caucus-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const topic = $("caucus-topic-input").value.trim();
    if (!topic) {
      desk.notice(t("console.caucus.no_topic"));
      $("caucus-topic-input").focus();
      return;
    }
    const minutes = Number($("caucus-minutes").value);
    const seconds = Number($("caucus-speaker-seconds").value);
    const body = { type: "open_caucus", topic, expected_speaker: desk.onFloor() };
    if (minutes > 0) body.seconds = minutes * 60;
    if (seconds > 0) body.speaker_seconds = seconds;
    desk.send("floor", body, () => {
      desk.notice(t("console.caucus.opened", { topic }));
      $("caucus-topic-input").value = "";
    });
  });
  $("act-call-caucus-speaker").addEventListener("click", () => {
    const code = picked();
    if (!code) return desk.notice(t("add.pick"));
    const name = desk.nameOf(code, code);
    desk.change("floor", { type: "call_caucus_speaker", delegation: code, expected_speaker: desk.onFloor() }, () =>
      t("happened.caucus_speaker", { name }),
    );
  });
  $("act-close-caucus").addEventListener("click", () => {
    const caucus = desk.room.view()?.caucus;
    if (!caucus) return;
    desk.confirm(t("confirm.close_caucus", { topic: caucus.topic }), () =>
      desk.send("floor", { type: "close_caucus", expected_speaker: desk.onFloor() }, () =>
        desk.notice(t("console.caucus.closed", { topic: caucus.topic })),
      ),
    );
  });
}

/** O11: whether a yield may be offered now (the engine decides; this only hides). */
function yieldable(view) {
  const speech = view?.speech ?? null;
  return Boolean(speech) && !NOT_OF_THE_LIST.has(speech.basis) && !view?.yielded && !view?.caucus;
}

/** Which of the panel's command buttons the view allows (the console disables the rest). */
export function caucusButtons(view) {
  const speech = view?.speech ?? null;
  const started = Boolean(speech) && speech.status !== "allotted";
  const floor = view?.segment?.floor ?? null;
  const kinds = new Set(floor?.yields ?? []);
  const can = (kind) => kinds.has(kind) && yieldable(view) && started;
  const questions = view?.yielded?.kind === "questions";
  return {
    "act-yield-delegate": can("delegate"),
    "act-yield-questions": can("questions"),
    "act-yield-chair": can("chair"),
    "act-call-questioner": questions && speech?.basis !== "question",
    "act-open-caucus": Boolean(floor?.caucuses) && !view?.caucus && !speech,
    "act-call-caucus-speaker": Boolean(view?.caucus),
    "act-close-caucus": Boolean(view?.caucus),
  };
}

/** Draw the panel from the view; `delegations`: the room's, from the directory. */
export function renderCaucus(view, { delegations, now }) {
  const segment = view?.segment ?? null;
  const floor = segment?.floor ?? null;
  const kinds = new Set(floor?.yields ?? []);
  const caucuses = Boolean(floor?.caucuses);
  const yields = kinds.size > 0 && yieldable(view);
  const questions = view?.yielded?.kind === "questions";
  const caucus = view?.caucus ?? null;
  const shown = Boolean(segment) && (yields || questions || caucuses || Boolean(caucus));
  $("model-un").hidden = !shown;
  if (!shown) return;

  $("yield-actions").hidden = !yields;
  $("act-yield-delegate").hidden = !kinds.has("delegate");
  $("act-yield-questions").hidden = !kinds.has("questions");
  $("act-yield-chair").hidden = !kinds.has("chair");
  $("questioner-actions").hidden = !questions;
  $("caucus-form").hidden = !caucuses || Boolean(caucus);
  $("caucus-running").hidden = !caucus;
  $("mun-delegation-field").hidden = !((yields && kinds.has("delegate")) || questions || caucus);
  fillDelegations(delegations);
  fillDefaults(segment);
  tickCaucus(view, now);
}

/** The clocks of the panel, against the room's clock: redrawn every second and on each view. */
export function tickCaucus(view, now) {
  const yielded = view?.yielded ?? null;
  const budget = $("yield-budget");
  if (yielded?.kind === "questions") {
    const running = yielded.ends_at != null ? Math.max(0, yielded.ends_at - now) : (yielded.seconds_left ?? 0);
    const left = Math.min(yielded.seconds ?? running, running); // never more than was yielded
    setText(budget, t("console.caucus.budget", { time: duration(Math.ceil(left)) }));
    budget.dataset.left = String(Math.ceil(left));
  } else setText(budget, "");
  const caucus = view?.caucus ?? null;
  const left = $("caucus-left");
  if (caucus) {
    // never more than its total: the page's clock may be a few ms behind the server's
    const seconds = Math.min(caucus.seconds, Math.max(0, caucus.ends_at - now));
    setText($("caucus-topic"), t("console.caucus.topic", { topic: caucus.topic }));
    setText(
      left,
      t("console.caucus.left", {
        time: duration(Math.ceil(seconds)),
        seconds: Math.round(caucus.speaker_seconds),
        count: caucus.speakers,
      }),
    );
    left.dataset.left = String(Math.ceil(seconds));
  }
}

let filled = "";

function fillDelegations(delegations) {
  const key = delegations.map((d) => d.code).join(",") + "|" + document.documentElement.lang;
  if (key === filled) return;
  filled = key;
  const select = $("mun-delegation");
  const chosen = select.value;
  const sorted = [...delegations].sort((a, b) => nameOf(a.names, a.code).localeCompare(nameOf(b.names, b.code)));
  select.replaceChildren(
    Object.assign(document.createElement("option"), { value: "", textContent: t("console.caucus.pick") }),
    ...sorted.map((d) =>
      Object.assign(document.createElement("option"), { value: d.code, textContent: `${nameOf(d.names, d.code)} (${d.code})` }),
    ),
  );
  select.value = chosen;
}

let defaulted = null; // the segment whose defaults the form holds

/** The form starts from the segment's rules' defaults (10 min and 60 s unless they say). */
function fillDefaults(segment) {
  const floor = segment?.floor ?? null;
  if (!floor || defaulted === segment.id) return;
  defaulted = segment.id;
  $("caucus-minutes").value = String((floor.caucus_seconds ?? 600) / 60);
  $("caucus-speaker-seconds").value = String(floor.caucus_speaker_seconds ?? 60);
}
