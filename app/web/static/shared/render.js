// Small pieces every screen draws the same way: badges, the connection mark, notices.

import { t } from "./i18n.js";
import { clockText } from "./room.js";

/** Member State / observer State / stakeholder (P1-P3), RCP chair (P4) and marks (P8). */
export function badgesOf(who, marks) {
  const kinds = [];
  if (who.category === "member_state" || who.category === "observer_state") kinds.push(who.category);
  else if (who.category) kinds.push("stakeholder");
  if (marks.rank != null && marks.rank < 0) kinds.push("rcp_chair");
  if (marks.basis === "rcp") kinds.push("rcp_chair");
  if (marks.first_time) kinds.push("first_time");
  if (marks.on_behalf) kinds.push("on_behalf");
  if (marks.moved) kinds.push("moved");
  if (marks.out_of_order) kinds.push("out_of_order");
  return [...new Set(kinds)].map((kind) => {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.kind = kind;
    badge.textContent = t(`badge.${kind}`);
    return badge;
  });
}

/** "live", "connecting" or "reconnecting": a discreet mark, and body[data-connection]. */
export function showConnection(status) {
  document.body.dataset.connection = status;
  const mark = document.getElementById("connection");
  if (mark) mark.textContent = t(`connection.${status}`);
}

let noticeTimer = null;

/** A short message the user should read (a refusal, a confirmation), then gone. */
export function showNotice(text, seconds = 8) {
  const notice = document.getElementById("notice");
  if (!notice) return;
  notice.textContent = text;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.hidden = true;
  }, seconds * 1000);
}

/** A `tag` with its class and text (either may be left out): what the pages' rows are made of. */
export function textElement(tag, className = "", text = undefined) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/**
 * A row's action button: `data-action`, the ids of what it acts on as data attributes
 * (`{ request: id }` gives `data-request`), and a label that names whom it acts on.
 */
export function rowButton(action, text, label, enabled, data = {}) {
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.action = action;
  Object.assign(button.dataset, data);
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.disabled = !enabled;
  return button;
}

/** Write text only when it changed (pages redraw clocks every frame). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * O1: what every screen says while a point of order is heard: "Point of order: Mexico"
 * and "Ghana's speech is held at 2:18" (the seconds it resumes with after the ruling);
 * null when no point is heard. `nameOf(code, name)` gives a delegation's name on the page.
 */
export function pointOfOrder(view, nameOf) {
  const point = view?.procedure?.point ?? null;
  if (!point) return null;
  const held = view.procedure.held ?? null;
  return {
    point: t("floor.point_heard", { name: nameOf(point.delegation_id, point.name) }),
    held: held
      ? t("floor.held", { name: nameOf(held.speaker.id, held.speaker.name), time: clockText(held.seconds_left) })
      : "",
    seconds: held ? held.seconds_left : null,
  };
}

/**
 * O8: what every screen says while an interposed question is put: "Question from Mexico
 * to Ghana" and "Ghana's speech is held at 1:40" (the seconds it resumes with after the
 * question); null otherwise. The same shape as `pointOfOrder`, for the same banner.
 */
export function interposedQuestion(view, nameOf) {
  const speech = view?.speech ?? null;
  const held = view?.interposed?.held ?? null;
  if (speech?.basis !== "question" || !held) return null;
  const speaker = nameOf(held.speaker.id, held.speaker.name);
  return {
    point: t("floor.question_put", { name: nameOf(speech.speaker.id, speech.speaker.name), speaker }),
    held: t("floor.held", { name: speaker, time: clockText(held.seconds_left) }),
    seconds: held.seconds_left,
  };
}

/** Show `banner` (the screen's point-of-order line) or hide it; its held seconds as data. */
export function showPointOfOrder(element, banner) {
  element.hidden = !banner;
  setText(element, banner ? [banner.point, banner.held].filter(Boolean).join(" · ") : "");
  element.dataset.held = banner?.seconds == null ? "" : String(banner.seconds);
}

/**
 * O2: what every screen says while a reply has the floor: "Right of reply · first reply"
 * (the speech's basis is "reply"; its rank from `replies.speaking`); null otherwise.
 */
export function rightOfReply(view) {
  if (view?.speech?.basis !== "reply") return null;
  const rank = view.replies?.speaking?.rank ?? 1;
  return { text: t("floor.reply_rank", { rank: replyRank(rank) }), rank };
}

/** O2: "first reply", "second reply", "reply 3": which reply of its delegation it is. */
export function replyRank(rank) {
  if (rank === 1) return t("reply.first");
  if (rank === 2) return t("reply.second");
  return t("reply.nth", { rank });
}

/** Show `element` (the screen's "Right of reply" label) or hide it; the rank as data. */
export function showRightOfReply(element, label) {
  element.hidden = !label;
  setText(element, label ? label.text : "");
  element.dataset.rank = label ? String(label.rank) : "";
}
