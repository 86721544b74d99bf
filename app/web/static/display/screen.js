// What the wall and the podium share: the screen's own language (?lang=), the programme's
// titles and speakers' names from the room directory, the allotment and the offline mark.

import { LANGUAGES, duration, language, t } from "../shared/i18n.js";
import { showConnection } from "../shared/render.js";

const CODES = LANGUAGES.map((l) => l.code);

/**
 * The screen's language: `?lang=xx` on its URL when it is one of the six, else the room's.
 * One room can so have an Arabic wall and an English one.
 */
export function screenLanguage(roomLanguage, search = location.search) {
  const wanted = new URLSearchParams(search).get("lang");
  return CODES.includes(wanted) ? wanted : roomLanguage;
}

/** The room's segments as the directory gives them, by id: titles per language, names. */
export function programmeOf(directory) {
  return new Map((directory.programme ?? []).map((s) => [String(s.id), s]));
}

/** The segment's title in the screen's language; the programme's title when it has none. */
export function segmentTitle(programme, segment) {
  const known = programme.get(String(segment.id));
  return known?.titles?.[language()] || segment.title;
}

/** A programme speaker named by role ("Moderator") is shown as the segment's people. */
export function programmeName(programme, segment, name) {
  if (!segment || !name) return name;
  return programme.get(String(segment.id))?.names?.[name] || name;
}

/** "of 3:00": the speech's whole allotment, extensions included (T1, T2, T3). */
export function allotmentText(speech) {
  return speech?.allotted ? t("display.of", { time: duration(speech.allotted) }) : "";
}

/** How much of the allotment is used, 0 to 1 (overtime stays full). */
export function usedFraction(speech, seconds) {
  if (!speech?.allotted || seconds == null) return 0;
  return Math.min(1, Math.max(0, (speech.allotted - seconds) / speech.allotted));
}

/** The connection mark, and the large banner while the screen is offline (room.js). */
export function showScreenConnection(status) {
  showConnection(status);
  const mark = document.getElementById("connection");
  if (mark && status === "offline") mark.textContent = t("display.offline"); // no commands here
  const banner = document.getElementById("offline-banner");
  if (banner) banner.hidden = status !== "offline";
}
