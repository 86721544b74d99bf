// The console's rights of reply (O2): their own list, apart from the requests.
//
// Shown only where the meeting's rules give a right of reply (`view.replies.limits`
// not empty). The replies waiting are listed in the order they will be heard, each with
// which reply of its delegation it is (first, second) and that reply's limit, a "Give
// the floor" (a grant naming the reply: out of order if it is not the first, the engine
// records it) and a "Withdraw" (M1: only that reply). The panel says whether "Next
// speaker" takes the replies now (called, or the last list of speakers done) and
// offers "Call replies" while it would act (`view.console.call_replies`). "Right of
// reply" beside "Add" asks one on the chosen delegation's behalf.

import { t } from "../shared/i18n.js";
import { replyRank, rowButton, setText } from "../shared/render.js";
import { clockText } from "../shared/room.js";

const $ = (id) => document.getElementById(id);


/** Whether the meeting's rules give a right of reply in the open segment. */
export function repliesGiven(view) {
  return (view?.replies?.limits ?? []).length > 0;
}

/**
 * `desk`: what the console lends this panel (as points.js): `room`, `send`, `change`,
 * `onFloor()`, `nameOf(code, name)`, `chosen()`, `notice(text)`.
 */
export function wireReplies(desk) {
  $("replies-list").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const view = desk.room.view();
    const asked = (view?.replies?.waiting ?? []).find((r) => r.id === button.dataset.reply);
    if (!asked) return;
    const name = desk.nameOf(asked.delegation_id, asked.name);
    if (button.dataset.action === "give-reply") {
      desk.change("floor", { type: "grant", request_id: asked.id, expected_speaker: desk.onFloor() }, () =>
        t("happened.reply_given", { name }),
      );
    } else {
      desk.send("requests", { type: "withdraw_reply", delegation: asked.delegation_id, reply_id: asked.id }, () =>
        desk.notice(t("console.replies.withdrawn", { name })),
      );
    }
  });
  $("act-call-replies").addEventListener("click", () =>
    desk.send("floor", { type: "call_replies" }, () => desk.notice(t("console.replies.called"))),
  );
  $("add-reply").addEventListener("click", () => {
    const code = desk.chosen();
    if (!code) return desk.notice(t("add.pick"));
    const name = desk.nameOf(code, code);
    desk.send("requests", { type: "reply", delegation: code }, () =>
      desk.notice(t("console.replies.asked", { name })),
    );
  });
}

/** Which of the panel's command buttons the view allows (the console disables the rest). */
export function replyButtons(view) {
  const given = Boolean(view?.segment) && repliesGiven(view);
  return {
    "act-call-replies": given && view?.console?.call_replies === true,
    "add-reply": given,
  };
}

/** Draw the panel from the view; `live`: commands may be sent now. */
export function renderReplies(view, { live, nameOf }) {
  const replies = view?.replies ?? null;
  const given = Boolean(view?.segment) && repliesGiven(view);
  $("replies").hidden = !given;
  $("add-reply").hidden = !given;
  if (!given) return;
  const waiting = replies.waiting;
  const state = $("replies-state");
  state.dataset.taken = String(replies.taken);
  setText(
    state,
    waiting.length === 0
      ? t("console.replies.none")
      : replies.taken
        ? t("console.replies.taken")
        : t("console.replies.at_end"),
  );
  $("replies-list").replaceChildren(
    ...waiting.map((asked) => {
      const li = document.createElement("li");
      li.dataset.reply = asked.id;
      li.dataset.rank = String(asked.rank);
      const place = document.createElement("span");
      place.className = "place";
      place.textContent = String(asked.place);
      const name = document.createElement("span");
      name.className = "name";
      const who = nameOf(asked.delegation_id, asked.name);
      name.textContent = asked.on_behalf ? `${who} (${t("badge.on_behalf")})` : who;
      const limit = document.createElement("span");
      limit.className = "limit";
      limit.textContent = `${replyRank(asked.rank)} · ${clockText(asked.seconds ?? 0)}`;
      const give = button("give-reply", asked, t("action.give_reply"), who, live);
      const withdraw = button("withdraw-reply", asked, t("action.withdraw_reply"), who, live);
      withdraw.classList.add("secondary-button");
      li.append(place, name, limit, give, withdraw);
      return li;
    }),
  );
}

function button(action, asked, text, who, enabled) {
  return rowButton(action, text, `${text}: ${who}`, enabled, { reply: asked.id });
}
