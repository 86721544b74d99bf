// The rapporteur's report (R3) in the template of Annex 2: the header from the programme,
// the summary with a live word count against the guide (250 words), recommendations for
// actionable commitments drafted from the segment's cards (pick, merge, edit), other
// observations, and who spoke and who was not heard (R1, A3). The draft is saved whole;
// once closed, nothing on the page changes. Texts are set with textContent, never as HTML.
// With ?present=1 the page shows the report read-only in large type, for the room's screen
// in the Day 3 reporting session (A6): one link per action group, opened in turn.

import { CommandRefused, getJSON, pageToken } from "../shared/commands.js";
import { chosenLanguage, clockTime, language, languagePicker, nameOf, t, useLanguage } from "../shared/i18n.js";
import { showNotice } from "../shared/render.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const [, , roomId, segmentId] = location.pathname.split("/");
const base = `/api/rooms/${encodeURIComponent(roomId)}/segments/${encodeURIComponent(segmentId)}`;
const FIELDS = ["recommendation", "means_of_implementation", "partnerships"];
const presenting = new URLSearchParams(location.search).get("present") === "1";
const LABELS = { recommendation: "report.recommendation", means_of_implementation: "report.means", partnerships: "report.partnerships" };

let report = null; // the server's last answer
let commitments = []; // the draft being edited: {recommendation, means…, partnerships, card_ids}
let cards = [];
let dirty = false;
let busy = false;

/** Words in `text`: blank-separated, or by the browser's word segmenter for CJK scripts. */
export function countWords(text) {
  const trimmed = text.trim();
  if (!trimmed) return 0;
  if (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u.test(trimmed) && "Segmenter" in Intl) {
    let words = 0;
    for (const part of new Intl.Segmenter(language(), { granularity: "word" }).segment(trimmed)) {
      if (part.isWordLike) words += 1;
    }
    return words;
  }
  return trimmed.split(/\s+/u).length;
}

async function main() {
  document.body.classList.toggle("presenting", presenting);
  await useLanguage(chosenLanguage());
  languagePicker($("language"), render);
  const download = (suffix) => `${base}/report.${suffix}?token=${encodeURIComponent(token)}`;
  $("export-md").href = download("md");
  $("export-docx").href = download("docx");
  $("summary").addEventListener("input", () => {
    changed();
    showWordCount();
  });
  $("observations").addEventListener("input", changed);
  $("add-commitment").addEventListener("click", () => {
    commitments.push({ recommendation: "", means_of_implementation: "", partnerships: "", card_ids: [] });
    changed();
    render();
  });
  $("refresh").addEventListener("click", refreshCards);
  $("save").addEventListener("click", () => save());
  $("close").addEventListener("click", () => {
    $("confirm-close").hidden = false;
    $("confirm-yes").focus();
  });
  $("confirm-no").addEventListener("click", () => {
    $("confirm-close").hidden = true;
  });
  $("confirm-yes").addEventListener("click", closeReport);
  window.addEventListener("focus", refreshCards);
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
  accept(await getJSON(`${base}/report`, token));
  document.body.dataset.ready = "true";
}

/**
 * Take the server's answer as the page's state (after loading, saving or closing). An
 * answer that does not say whether this person may edit (a save's, from a server that
 * leaves the field out) keeps the permission the page already had: finding 10.
 */
function accept(answer) {
  const mayEdit = "may_edit" in answer ? answer.may_edit : report?.may_edit;
  report = { ...answer, may_edit: Boolean(mayEdit) };
  commitments = answer.commitments.map((c) => ({ ...c, card_ids: [...c.card_ids] }));
  cards = answer.cards;
  $("summary").value = answer.summary;
  $("observations").value = answer.observations;
  dirty = false;
  render();
}

function editable() {
  return !presenting && Boolean(report?.may_edit) && report?.closed_at == null;
}

function changed() {
  dirty = true;
  $("saved").textContent = t("report.unsaved");
}

async function refreshCards() {
  if (!report) return;
  try {
    const answer = await getJSON(`${base}/cards`, token);
    cards = answer.cards;
    if (answer.closed && report.closed_at == null) {
      accept(await getJSON(`${base}/report`, token)); // closed elsewhere
      return;
    }
    render();
  } catch (error) {
    showNotice(t("notice.refused", { detail: error.detail || error.message }));
  }
}

function draftBody() {
  return {
    summary: $("summary").value,
    observations: $("observations").value,
    commitments: commitments.map((c) => ({
      recommendation: c.recommendation,
      means_of_implementation: c.means_of_implementation,
      partnerships: c.partnerships,
      card_ids: c.card_ids,
    })),
  };
}

async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new CommandRefused(response.status, answer.detail ? answer : response.statusText);
  return answer;
}

async function save(then = null) {
  if (busy || !editable()) return;
  busy = true;
  render();
  try {
    accept(await send("PUT", `${base}/report`, draftBody()));
    if (then) accept(await then());
    const at = report.updated_at ?? Date.now() / 1000;
    $("saved").textContent = t("report.saved", { time: clockTime(at) });
  } catch (error) {
    showNotice(t("notice.refused", { detail: error.detail || error.message }), 20);
  } finally {
    busy = false;
    render();
  }
}

function closeReport() {
  $("confirm-close").hidden = true;
  save(() => send("POST", `${base}/report/close`));
}

// -- pick, merge, edit -----------------------------------------------------------------

function cardName(card) {
  if (card.delegation) return nameOf(card.delegation_names, card.delegation);
  return card.author || t("report.paper");
}

function fromCard(card) {
  return {
    recommendation: card.recommendation,
    means_of_implementation: card.means_of_implementation,
    partnerships: card.partnerships,
    card_ids: [card.id],
  };
}

/** Merge `card` into commitment `index`: each text appended on its own line, once. */
function merge(card, index) {
  const target = commitments[index];
  if (!target) return;
  for (const field of FIELDS) {
    const text = card[field].trim();
    if (!text || target[field].includes(text)) continue;
    target[field] = target[field].trim() ? `${target[field].trim()}\n${text}` : text;
  }
  if (!target.card_ids.includes(card.id)) target.card_ids.push(card.id);
}

function chosenIds() {
  return new Set(commitments.flatMap((c) => c.card_ids));
}

// -- drawing ------------------------------------------------------------------------------

function render() {
  if (!report) return;
  const open = editable();
  document.body.dataset.closed = String(report.closed_at != null);
  for (const [key, value] of Object.entries(report.header)) {
    const cell = $(`h-${key}`);
    if (cell) cell.textContent = value || "—";
  }
  document.title = `${report.header.action_group} · ${t("report.title")}`;
  $("closed").hidden = report.closed_at == null;
  $("read-only").hidden = presenting || report.may_edit || report.closed_at != null;
  $("state").textContent = report.segment.title;
  $("summary-hint").textContent = t("report.summary_hint", { words: report.summary_word_guide });
  for (const id of ["summary", "observations"]) $(id).readOnly = !open;
  for (const id of ["save", "close", "add-commitment"]) {
    $(id).hidden = !open;
    $(id).disabled = busy;
  }
  showWordCount();
  renderCommitments(open);
  renderCards(open);
  renderSpeakers();
}

function showWordCount() {
  const count = countWords($("summary").value);
  const guide = report?.summary_word_guide ?? 250;
  const counter = $("word-count");
  counter.dataset.count = String(count);
  counter.dataset.over = String(count > guide);
  counter.textContent = t(count > guide ? "report.words_over" : "report.words", { count, guide });
}

function labelled(labelKey, control) {
  const label = document.createElement("label");
  const span = document.createElement("span");
  span.textContent = t(labelKey);
  label.append(span, control);
  return label;
}

function renderCommitments(open) {
  const list = $("commitments");
  list.replaceChildren(
    ...commitments.map((commitment, index) => {
      const item = document.createElement("li");
      item.className = "commitment";
      item.dataset.index = String(index);
      item.dataset.cards = commitment.card_ids.join(" ");
      const heading = document.createElement("h3");
      heading.textContent = t("report.commitment", { number: index + 1 });
      const fields = document.createElement("div");
      fields.className = "commitment-fields";
      for (const field of FIELDS) {
        const area = document.createElement("textarea");
        area.rows = 4;
        area.maxLength = 6000;
        area.value = commitment[field];
        area.readOnly = !open;
        area.dataset.field = field;
        area.addEventListener("input", () => {
          commitment[field] = area.value;
          changed();
        });
        fields.append(labelled(LABELS[field], area));
      }
      item.append(heading, fields);
      const foot = document.createElement("p");
      foot.className = "commitment-foot";
      if (commitment.card_ids.length) {
        const from = document.createElement("span");
        from.className = "muted";
        from.textContent = t("report.from_cards", { cards: commitment.card_ids.map((id) => `#${id}`).join(", ") });
        foot.append(from);
      }
      if (open) {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary-button";
        remove.textContent = t("report.remove");
        remove.addEventListener("click", () => {
          commitments.splice(index, 1);
          changed();
          render();
        });
        foot.append(remove);
      }
      item.append(foot);
      return item;
    }),
  );
  $("commitments-empty").hidden = commitments.length > 0;
}

function renderCards(open) {
  const chosen = chosenIds();
  $("cards-empty").hidden = cards.length > 0;
  $("cards").replaceChildren(
    ...cards.map((card) => {
      const item = document.createElement("li");
      item.className = "card";
      item.dataset.cardId = String(card.id);
      item.dataset.chosen = String(chosen.has(card.id));
      const head = document.createElement("p");
      head.className = "card-head";
      const who = document.createElement("strong");
      who.textContent = `#${card.id} ${cardName(card)}`;
      head.append(who);
      for (const [flag, key] of [
        [card.paper, "report.paper"],
        [chosen.has(card.id), "report.chosen"],
      ]) {
        if (!flag) continue;
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = t(key);
        head.append(" ", badge);
      }
      const texts = document.createElement("dl");
      for (const field of FIELDS) {
        if (!card[field]) continue;
        const term = document.createElement("dt");
        term.textContent = t(LABELS[field]);
        const text = document.createElement("dd");
        text.textContent = card[field];
        texts.append(term, text);
      }
      item.append(head, texts);
      if (open) item.append(cardTools(card));
      return item;
    }),
  );
}

function cardTools(card) {
  const tools = document.createElement("p");
  tools.className = "card-tools";
  const pick = document.createElement("button");
  pick.type = "button";
  pick.className = "use-card";
  pick.textContent = t("report.use_card");
  pick.addEventListener("click", () => {
    commitments.push(fromCard(card));
    changed();
    render();
  });
  tools.append(pick);
  if (commitments.length) {
    const into = document.createElement("select");
    into.className = "merge-target";
    into.append(...commitments.map((_, index) => new Option(String(index + 1), String(index))));
    const merging = document.createElement("button");
    merging.type = "button";
    merging.className = "secondary-button merge-card";
    merging.textContent = t("report.merge");
    merging.addEventListener("click", () => {
      merge(card, Number(into.value));
      changed();
      render();
    });
    tools.append(labelled("report.merge_into", into), merging);
  }
  return tools;
}

function renderSpeakers() {
  for (const [id, names] of [
    ["heard", report.speakers.heard],
    ["not-heard", report.speakers.not_heard],
  ]) {
    const items = names.map((name) => {
      const item = document.createElement("li");
      item.textContent = name;
      return item;
    });
    if (!items.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = t("report.none");
      items.push(none);
    }
    $(id).replaceChildren(...items);
  }
}

main().catch((error) => showNotice(error.detail || error.message, 60));
