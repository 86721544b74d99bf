// The podium: the speaker sees only the countdown and its state, full screen (T5),
// in the room's language.

import { getJSON, pageToken } from "../shared/commands.js";
import { useLanguage } from "../shared/i18n.js";
import { showConnection } from "../shared/render.js";
import { connectRoom, runCountdown } from "../shared/room.js";

const $ = (id) => document.getElementById(id);
const token = pageToken();
const roomId = Number(location.pathname.split("/").filter(Boolean).pop());

async function main() {
  const directory = await getJSON(`/api/pages/rooms/${roomId}`, token);
  await useLanguage(directory.room.language);
  const room = connectRoom({
    roomId,
    token,
    label: `podium ${directory.room.name}`,
    onView: () => {},
    onConnection: showConnection,
  });
  runCountdown(room, $("countdown"), $("countdown-time"), $("countdown-state"));
}

main().catch((error) => {
  $("countdown-state").textContent = error.detail || error.message;
});
