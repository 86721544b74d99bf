// The secretariat's inscribed lists of speakers (O4-O6): for each room of the meeting, the
// lists of its segments not yet open that take inscriptions (`inscriptions` of the room's
// live view, read with the page's token: the secretariat gets the moderator's view), in
// speaking order (level of representation, then time of inscription, as swapped or drawn).
//
// The secretariat enters an inscription on a delegation's behalf (its code and level),
// withdraws one, swaps two speakers of one level (tick two rows, "Swap") and draws lots
// for a level (a seed of its choice or the service's, and how many to keep): the draw is
// shown as published, its seed first, so that anyone can draw it again. Withdrawals,
// swaps and draws are confirmed first. Every command is read again from the server after
// it is applied; a refusal shows the server's message (the page's `doing`).

import { newCommandId } from "../shared/commands.js";
import { clockTime, nameOf, t } from "../shared/i18n.js";
import { textElement } from "../shared/render.js";

const $ = (id) => document.getElementById(id);

/** O4: the levels of representation, in speaking order. */
export const TIERS = [
  "head_of_state",
  "head_of_government",
  "vice_president",
  "minister",
  "deputy_minister",
  "head_of_delegation",
  "other",
];

let desk = null; // what the page lends: { token, meeting(), getJSON, send, doing, confirmThen }
let lists = []; // [{ room, segment_id, title, entries }], in the rooms' order
let published = new Map(); // segment id -> the last draw of lots made from this page (O6)
let unread = []; // the rooms whose view could not be read

/** Wire the section once; `lent`: the page's helpers. */
export function wireInscriptions(lent) {
  desk = lent;
  $("inscriptions-refresh").addEventListener("click", () => desk.doing(async () => loadInscriptions()));
}

/** Read every room's live view of the meeting and draw its lists. */
export async function loadInscriptions() {
  const meeting = desk.meeting();
  if (!meeting) return;
  const read = await Promise.all(
    meeting.rooms.map(async (room) => {
      try {
        const view = await desk.getJSON(`/api/rooms/${encodeURIComponent(room.id)}`, desk.token);
        return { room, lists: view.inscriptions ?? [] };
      } catch {
        return { room, lists: null };
      }
    }),
  );
  unread = read.filter((r) => r.lists === null).map((r) => r.room);
  // The view lists a segment once someone is inscribed; the programme's scheduled segments
  // of the room come too, empty, so that the first inscription can be entered (the server
  // refuses, in its words, a segment that takes none).
  const scheduled = meeting.days.flatMap((day) => day.segments).filter((s) => s.status === "scheduled");
  lists = read.flatMap((r) => {
    const seen = r.lists ?? [];
    const empty = scheduled
      .filter((s) => s.room_id === r.room.id && !seen.some((l) => String(l.segment_id) === String(s.id)))
      .map((s) => ({ segment_id: s.id, title: s.title, entries: [] }));
    return [...seen, ...empty].map((list) => ({ room: r.room, ...list }));
  });
  renderInscriptions();
}

function delegationName(code) {
  const found = desk.meeting().delegations.find((d) => d.code === code);
  return found ? nameOf(found.names, code) : code;
}

function tierName(tier) {
  return t(`secretariat.tier.${tier}`);
}

/** Draw the section from the lists last read (and again when the language changes). */
export function renderInscriptions() {
  if (!desk?.meeting()) return;
  const meeting = desk.meeting();
  $("inscription-codes").replaceChildren(
    ...meeting.delegations.map((d) => {
      const option = document.createElement("option");
      option.value = d.code;
      option.label = nameOf(d.names, d.code);
      return option;
    }),
  );
  $("inscription-lists").replaceChildren(...lists.map(listSection));
  $("inscriptions-empty").hidden = lists.length > 0;
  const failed = $("inscriptions-unread");
  failed.hidden = unread.length === 0;
  failed.textContent = unread.length
    ? t("secretariat.inscriptions.unread", { rooms: unread.map((r) => r.name).join(", ") })
    : "";
}

function listSection(list) {
  const section = textElement("section", "inscribed-list");
  section.dataset.segment = String(list.segment_id);
  section.dataset.room = String(list.room.id);
  const heading = textElement("h3", "", t("secretariat.inscriptions.list_title", { segment: list.title, room: list.room.name }));
  const entries = textElement("ol", "entries");
  entries.replaceChildren(...list.entries.map((entry) => entryRow(list, entry)));
  const empty = textElement("p", "muted", t("secretariat.inscriptions.none"));
  empty.hidden = list.entries.length > 0;
  section.append(heading, entries, empty, swapRow(list, section), inscribeForm(list), drawForm(list));
  const lots = published.get(list.segment_id);
  if (lots) section.append(lotsBox(lots));
  return section;
}

function entryRow(list, entry) {
  const li = textElement("li", "entry");
  li.dataset.delegation = entry.delegation_id;
  li.dataset.tier = entry.tier;
  const name = delegationName(entry.delegation_id) || entry.name;
  const pick = textElement("input", "pick");
  pick.type = "checkbox";
  pick.value = entry.delegation_id;
  pick.setAttribute("aria-label", t("secretariat.inscriptions.pick", { name }));
  const place = textElement("span", "place", String(entry.place));
  const who = textElement("span", "who", `${name} (${entry.delegation_id})`);
  const tier = textElement("span", "tier", tierName(entry.tier));
  const when = textElement(
    "span",
    "when muted",
    t("secretariat.inscriptions.at", { time: clockTime(entry.inscribed_at, desk.meeting().timezone) }),
  );
  li.append(pick, place, who, tier, when);
  if (entry.by_secretariat) li.append(textElement("span", "by badge", t("secretariat.inscriptions.by_secretariat")));
  const withdraw = textElement("button", "withdraw secondary-button", t("secretariat.inscriptions.withdraw"));
  withdraw.type = "button";
  withdraw.setAttribute("aria-label", t("secretariat.inscriptions.withdraw_named", { name }));
  withdraw.addEventListener("click", () =>
    desk.confirmThen(li, t("secretariat.inscriptions.confirm_withdraw", { name, segment: list.title }), () =>
      command(list, { type: "withdraw_inscription", delegation: entry.delegation_id }, () =>
        t("secretariat.inscriptions.withdrawn", { name }),
      ),
    ),
  );
  li.append(withdraw);
  return li;
}

/** O4: two ticked speakers of one level swap places, with the secretariat's approval. */
function swapRow(list, section) {
  const row = textElement("div", "row swap-row");
  const swap = textElement("button", "swap secondary-button", t("secretariat.inscriptions.swap"));
  swap.type = "button";
  swap.addEventListener("click", () => {
    const ticked = [...section.querySelectorAll(".entry .pick:checked")].map((box) => box.value);
    if (ticked.length !== 2) {
      desk.say(t("secretariat.inscriptions.pick_two"));
      return;
    }
    const [first, second] = ticked.map(delegationName);
    desk.confirmThen(row, t("secretariat.inscriptions.confirm_swap", { first, second }), () =>
      command(list, { type: "swap_inscriptions", first: ticked[0], second: ticked[1] }, () =>
        t("secretariat.inscriptions.swapped", { first, second }),
      ),
    );
  });
  row.append(swap, textElement("span", "muted", t("secretariat.inscriptions.swap_hint")));
  return row;
}

function tierSelect(className, tiers) {
  const select = textElement("select", className);
  select.replaceChildren(...tiers.map((tier) => new Option(tierName(tier), tier)));
  return select;
}

function field(labelText, control, className = "") {
  const label = textElement("label", className);
  label.append(textElement("span", "", labelText), control);
  return label;
}

/** O4: an inscription entered by the secretariat on a delegation's behalf. */
function inscribeForm(list) {
  const form = textElement("form", "row inscribe-form");
  form.autocomplete = "off";
  const code = textElement("input", "code");
  code.setAttribute("list", "inscription-codes");
  code.maxLength = 40;
  code.required = true;
  code.placeholder = t("secretariat.inscriptions.code_hint");
  const tier = tierSelect("tier", TIERS);
  tier.value = "head_of_delegation";
  const submit = textElement("button", "inscribe", t("secretariat.inscriptions.inscribe"));
  submit.type = "submit";
  form.append(
    field(t("secretariat.inscriptions.delegation"), code),
    field(t("secretariat.inscriptions.tier"), tier),
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const delegation = code.value.trim().toUpperCase();
    if (!delegation) {
      desk.say(t("secretariat.inscriptions.code_first"));
      code.focus();
      return;
    }
    const name = delegationName(delegation);
    command(list, { type: "inscribe", delegation, tier: tier.value }, () =>
      t("secretariat.inscriptions.inscribed", { name, tier: tierName(tier.value) }),
    );
  });
  return form;
}

/** O6: a draw of lots within a level, seeded; the seed is published with the result. */
function drawForm(list) {
  const form = textElement("form", "row draw-form");
  form.autocomplete = "off";
  const present = TIERS.filter((tier) => list.entries.some((e) => e.tier === tier));
  const tier = tierSelect("tier", present.length ? present : TIERS);
  const seed = textElement("input", "seed");
  seed.maxLength = 200;
  seed.placeholder = t("secretariat.inscriptions.seed_hint");
  const keep = textElement("input", "keep");
  keep.type = "number";
  keep.min = "1";
  keep.max = "10000";
  keep.step = "1";
  keep.placeholder = t("secretariat.inscriptions.keep_hint");
  const submit = textElement("button", "draw", t("secretariat.inscriptions.draw"));
  submit.type = "submit";
  form.append(
    field(t("secretariat.inscriptions.tier"), tier),
    field(t("secretariat.inscriptions.seed"), seed, "grow"),
    field(t("secretariat.inscriptions.keep"), keep),
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { type: "draw_lots", tier: tier.value };
    if (seed.value.trim()) body.seed = seed.value.trim();
    const kept = keep.value.trim();
    if (kept) body.keep = Number(kept);
    const level = tierName(tier.value);
    const question = kept
      ? t("secretariat.inscriptions.confirm_draw_keep", { tier: level, keep: Number(kept) })
      : t("secretariat.inscriptions.confirm_draw", { tier: level });
    desk.confirmThen(form, question, () =>
      command(list, body, (answer) => {
        if (answer.lots) published.set(list.segment_id, answer.lots);
        return t("secretariat.inscriptions.drawn", { tier: level });
      }),
    );
  });
  return form;
}

/** O6: the draw as published: its seed, the order drawn and those not drawn. */
function lotsBox(lots) {
  const box = textElement("div", "lots");
  box.setAttribute("role", "status");
  box.append(textElement("h4", "", t("secretariat.inscriptions.lots_title", { tier: tierName(lots.tier) })));
  const seed = textElement("p", "lots-seed");
  seed.append(t("secretariat.inscriptions.lots_seed") + " ", textElement("code", "seed-value", lots.seed));
  const drawn = textElement("ol", "lots-drawn");
  drawn.replaceChildren(...lots.drawn.map((code) => textElement("li", "", `${delegationName(code)} (${code})`)));
  box.append(seed, textElement("p", "", t("secretariat.inscriptions.lots_drawn")), drawn);
  const names = lots.not_drawn.map((code) => `${delegationName(code)} (${code})`);
  box.append(
    textElement(
      "p",
      "lots-not-drawn",
      names.length
        ? t("secretariat.inscriptions.lots_not_drawn", { names: names.join(", ") })
        : t("secretariat.inscriptions.lots_all_drawn"),
    ),
    textElement("p", "muted", t("secretariat.inscriptions.lots_redraw", { count: lots.candidates.length })),
  );
  return box;
}

/** One command on a segment's list; the lists read again after it; `said(answer)` for the notice. */
function command(list, body, said) {
  return desk.doing(async () => {
    const answer = await desk.send(`/api/rooms/${encodeURIComponent(list.room.id)}/inscriptions`, {
      json: { command_id: newCommandId(), segment_id: Number(list.segment_id), ...body },
    });
    const text = said(answer);
    await loadInscriptions();
    return text;
  }).finally(() => loadInscriptions().catch(() => {})); // refused: the lists as they are, ticks cleared
}
