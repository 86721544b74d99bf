// The console's interposed questions (O8): a delegate asks to put a short question to
// the speaker on the floor; it is taken only with the speaker's consent, which the
// chair gives or declines.
//
// The questions waiting for the speaker on the floor are listed in the order asked
// (`view.interposed.waiting`), each with "Consent" and "Decline" (two commands, M2: no
// toggle), both naming the question (M1); "Consent" also names the speaker it was asked
// of (`expected_speaker`), so that a consent tapped after the floor changed is refused.
// While a question is on the floor (`speech.basis` "question") the panel says whose
// speech it holds and the seconds it resumes with (`interposed.held`), as the points
// panel does for a point of order: "End" ends the question and gives the held speech
// back, paused, with exactly those seconds.

import { t } from "../shared/i18n.js";
import { rowButton, setText, textElement } from "../shared/render.js";
import { clockText } from "../shared/room.js";

const $ = (id) => document.getElementById(id);

/** `desk`: what the console lends this panel (see points.js). */
export function wireQuestions(desk) {
  $("questions-list").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const waiting = desk.room.view()?.interposed?.waiting ?? [];
    const question = waiting.find((q) => q.id === button.dataset.question);
    if (!question) return;
    const name = desk.nameOf(question.delegation_id, question.name);
    if (button.dataset.action === "consent") consent(desk, question, name);
    else if (button.dataset.action === "decline") {
      desk.send("floor", { type: "decline_question", question_id: question.id }, () =>
        desk.notice(t("console.questions.declined", { name })),
      );
    }
  });
}

/** O8: the question gets the floor; the speech on the floor is held with its seconds. */
function consent(desk, question, name) {
  const body = { type: "consent_to_question", question_id: question.id, expected_speaker: desk.onFloor() };
  desk.change("floor", body, () => t("happened.question_consented", { name }), false);
}

/** The question on the floor and the speech it holds, in words; null when none is put. */
export function questionOnFloor(view, nameOf) {
  const speech = view?.speech ?? null;
  if (speech?.basis !== "question") return null;
  const held = view?.interposed?.held ?? null;
  return {
    asking: t("console.questions.asking", { name: nameOf(speech.speaker.id, speech.speaker.name) }),
    held: held
      ? t("console.questions.held", {
          name: nameOf(held.speaker.id, held.speaker.name),
          time: clockText(held.seconds_left),
        })
      : "",
    seconds: held ? held.seconds_left : null,
  };
}

/** Draw the panel from the view; `live`: commands may be sent now. */
export function renderQuestions(view, { live, nameOf }) {
  const waiting = view?.interposed?.waiting ?? [];
  const onFloor = questionOnFloor(view, nameOf);
  const speaker = view?.speech?.speaker ?? null;
  $("questions").hidden = !onFloor && waiting.length === 0;
  const state = $("question-held");
  state.hidden = !onFloor;
  setText(state, onFloor ? [onFloor.asking, onFloor.held].filter(Boolean).join(" · ") : "");
  state.dataset.held = onFloor?.seconds == null ? "" : String(onFloor.seconds);
  $("questions-list").replaceChildren(
    ...waiting.map((question) => {
      const li = document.createElement("li");
      li.dataset.question = question.id;
      const who = nameOf(question.delegation_id, question.name);
      const to = question.to_speaker && question.to_speaker !== speaker?.id ? question.to_speaker : null;
      const name = textElement("span", "name", question.on_behalf ? `${who} (${t("badge.on_behalf")})` : who);
      const seconds = textElement("span", 
        "muted seconds",
        to
          ? t("console.questions.to_other", { seconds: Math.round(question.seconds), name: nameOf(to, to) })
          : t("console.questions.seconds", { seconds: Math.round(question.seconds) }),
      );
      // no consent while another question is put: the speaker answers it first (O8)
      const enabled = live && !onFloor && Boolean(speaker);
      li.append(
        textElement("span", "place", String(question.place)),
        name,
        seconds,
        button("consent", question, t("action.consent"), who, enabled),
        button("decline", question, t("action.decline"), who, live),
      );
      return li;
    }),
  );
}

function button(action, question, text, who, enabled) {
  const made = rowButton(action, text, `${text}: ${who}`, enabled, { question: question.id });
  if (action === "decline") made.className = "secondary-button";
  return made;
}
