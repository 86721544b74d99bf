// The podium: the speaker sees their name, the phase, the countdown with its allotment
// and its state, full screen; the whole screen takes the T5 state's colours so the
// wrap-up warning reaches the corner of the eye. In the room's language, or `?lang=`.
// While a point of order is heard (O1), or a question put to the speaker (O8), a banner
// says so and names the speech it holds;
// while a right of reply has the floor (O2), "Right of reply" is said above the name.

import { getJSON, pageToken } from "../shared/commands.js";
import { nameOf, phaseTitle, useLanguage } from "../shared/i18n.js";
import { interposedQuestion, pointOfOrder, rightOfReply, setText, showPointOfOrder, showRightOfReply } from "../shared/render.js";
import { connectRoom, runCountdown, speechClock } from "../shared/room.js";
import { allotmentText, programmeName, programmeOf, screenLanguage, showScreenConnection } from "./screen.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

async function main() {
  const directory = await getJSON(`/api/pages/rooms/${roomId}`, token);
  await useLanguage(screenLanguage(directory.room.language));
  const names = new Map(directory.delegations.map((d) => [d.code, d.names]));
  const programme = programmeOf(directory);
  const render = () => {
    const view = room.view();
    const segment = view?.segment ?? null;
    const speech = view?.speech ?? null;
    setText(
      $("speaker-name"),
      speech ? nameOf(names.get(speech.speaker.id), programmeName(programme, segment, speech.speaker.name)) : "",
    );
    setText($("phase-title"), segment ? phaseTitle(segment.phase) : "");
    setText($("allotment"), allotmentText(speech));
    const named = (code, name) => nameOf(names.get(code), name);
    showPointOfOrder($("point-banner"), pointOfOrder(view, named) ?? interposedQuestion(view, named));
    showRightOfReply($("reply-label"), rightOfReply(view));
  };
  const room = connectRoom({
    roomId,
    token,
    label: `podium ${directory.room.name}`,
    onView: render,
    onConnection: (status) => {
      showScreenConnection(status);
      render();
    },
  });
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"), (now) => {
    document.body.dataset.state = speechClock(room.view()?.speech ?? null, now).state;
  });
}

main().catch((error) => {
  $("countdown-state").textContent = error.detail || error.message;
});
