// Commands go over HTTP, each with an id the page chooses: a retry after a network
// failure carries the SAME id, so the server answers it without applying it twice.
// The console's commands (the speaker's clock "speech", the "floor", the "programme")
// go first on the live socket where the page gives one (`onSocket`): no HTTP request at
// all; without an answer there, the same body, same id, goes over HTTP.
// While the live channel is down the page refuses to send at all (not queued blindly).
// A refusal carries a stable code and its params (docs/protocol.md): CommandRefused's
// `detail` is the page-language text of the code, or the server's English if the
// page's catalogue does not have it.

import { refusalText } from "./i18n.js";

const RETRY_DELAYS = [300, 700, 1500, 3000, 5000]; // ms; then the moderator is told
const SOCKET_KINDS = new Set(["speech", "floor", "programme"]); // docs/protocol.md, "command"

export class CommandRefused extends Error {
  /** `refusal`: the server's body ({error, detail, code, params}), or an English text. */
  constructor(status, refusal) {
    const body = typeof refusal === "object" && refusal !== null ? refusal : { detail: refusal };
    const detail = refusalText(body.code, body.params, body.detail);
    super(detail);
    this.status = status;
    this.code = body.code ?? null;
    this.params = body.params ?? {};
    this.english = body.detail;
    this.detail = detail;
  }
}

export class NotConnected extends Error {}
export class Unreachable extends Error {}

/** A fresh id: 128 random bits (works outside secure contexts, unlike randomUUID). */
export function newCommandId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Commands {
  /**
   * roomId: the room; token: the page's credential (sent as a Bearer header);
   * isConnected(): whether the live channel is up (commands refused when not);
   * onSocket(kind, body): the live channel's `command` (room.js), or none.
   */
  constructor({ roomId, token, isConnected, onSocket = null }) {
    this.roomId = roomId;
    this.token = token;
    this.isConnected = isConnected;
    this.onSocket = onSocket;
  }

  /** Send `body` to /api/rooms/{id}/{kind}; resolves with the server's ack. */
  async send(kind, body) {
    if (!this.isConnected()) throw new NotConnected();
    const command = { command_id: newCommandId(), ...body };
    if (SOCKET_KINDS.has(kind) && this.onSocket) {
      const answer = await this.onSocket(kind, command);
      if (answer?.ack) return answer.ack;
      if (answer && !(answer.status >= 500 || answer.status === 429)) {
        throw new CommandRefused(answer.status, answer.refusal);
      }
    }
    const payload = JSON.stringify(command);
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await fetch(`/api/rooms/${this.roomId}/${kind}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.token}` },
          body: payload,
        });
      } catch {
        response = null; // the network failed: the command may or may not have arrived
      }
      if (response && response.ok) return response.json();
      const retriable = !response || response.status >= 500 || response.status === 429;
      if (!retriable) {
        throw new CommandRefused(response.status, await refusalOf(response));
      }
      if (attempt >= RETRY_DELAYS.length) throw new Unreachable();
      await wait(RETRY_DELAYS[attempt]);
    }
  }
}

/** The page's token: from ?token= in its link. */
export function pageToken() {
  return new URLSearchParams(location.search).get("token") || "";
}

/** GET a JSON resource with the page's token. */
export async function getJSON(path, token) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new CommandRefused(response.status, await refusalOf(response));
  return response.json();
}

/** The refusal in a response's body, or its status text if the body is not one. */
export async function refusalOf(response) {
  const body = await response.json().catch(() => null);
  if (body && typeof body === "object" && typeof body.detail === "string") return body;
  return { detail: response.statusText };
}
