// One room as a page sees it: the live view, whether the link is up, the server's time.
// Pages call connectRoom() and runCountdown() and nothing else of the live channel, so
// this is the one seam between the pages and the live channel's client. The shared
// client modules (static/js/{live,clock,countdown}.js) did not exist when the pages
// were written; this module speaks the protocol itself, and should become a thin
// adapter over them once they do (same exports, same behaviour).
//
// The view arrives as a snapshot, then as changes in version order (a gap asks for a
// resume); the clock offset is estimated from ping/pong: the middle of the interval
// every sample of a sliding window bounds it to (or, if the clocks drifted so that the
// bounds do not meet, NTP's lowest-delay sample); a lost link is retried with backoff and
// resumed from the last version (docs/protocol.md).
//
// Liveness: the server sends something at least every `viewer.heartbeat` seconds (a
// heartbeat, a pong, a change). A page that has heard nothing for a heartbeat and a
// grace (OFFLINE_GRACE_MS) is offline: it says so at once, drops the socket without
// waiting for its close handshake (a frozen server never answers it; a browser waits a
// minute for it) and opens a new one. A closed link is "reconnecting" for the grace,
// then offline too. Pages mark their countdown as not live while offline.

import { t } from "./i18n.js";

const PING_EVERY_MS = 5000;
const SAMPLES = 16;
// A page pings faster until its window holds all SAMPLES, so that its offset is as good
// within seconds of opening as it is after a minute: the error of the bounds' middle on a
// jittered path shrinks with every sample (0-100 ms each way: p99 21 ms with 8, 12 with 16).
const QUICK_PING_MS = 750;
// Never faster than the server takes them on a socket (viewer.pings: at most `limit` in
// any `seconds`, app/access/ratelimit.py; the default takes the whole quick burst), with a
// margin for a link that holds one ping back and lets a later one through at once, so
// that they reach the server closer together than they were sent.
const PING_MARGIN_MS = 1000;
const PINGS = { limit: 20, seconds: 20 }; // until the server says its own
const BACKOFF_MS = [250, 500, 1000, 2000, 4000];
const STEP_SECONDS = 1; // a disagreement this large (beyond the delay) is a clock step
/** Heard nothing for a heartbeat and this long, or reconnecting this long: offline. */
export const OFFLINE_GRACE_MS = 3000;
const HEARTBEAT_MS = 10000; // until the server says its own (viewer.heartbeat)

/** Close code of a link the secretariat revoked (app/access/credentials.py). */
const REVOKED_CLOSE = 4403;
// A command on the socket not answered this soon goes over HTTP, same id (applied once).
const COMMAND_ANSWER_MS = 4000;

/**
 * Open the room's live channel. Returns { view(), version(), connected(), now(),
 * estimate(startsAt), command(kind, body), close() }: `estimate` is an estimated start
 * moved with the clock (M7); `command` sends a moderator's command on the socket.
 */
export function connectRoom({ roomId, token, label = "", onView = () => {}, onConnection = () => {} }) {
  let socket = null;
  let view = null;
  let version = null;
  let status = "connecting";
  let attempt = 0;
  let closed = false;
  let pinger = null;
  let watchdog = null; // fires a heartbeat and a grace after the last message
  let lapse = null; // fires a grace after the link closed
  let heartbeatMs = HEARTBEAT_MS;
  let pings = PINGS;
  let sentAt = []; // performance.now() of this socket's latest pings (the server counts per socket)
  const samples = []; // { offset, delay } in seconds
  let offset = 0; // server time minus page time, seconds
  let movesFrom = null; // M7: server time from which the view's estimates move with the clock
  const answers = new Map(); // command_id -> settle({ack} | {status, refusal} | null)

  const pageNow = () => Date.now() / 1000;

  function setStatus(next) {
    if (next === status) return;
    status = next;
    onConnection(status);
  }

  function url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ token });
    if (label) query.set("label", label.slice(0, 60));
    if (version != null) query.set("since", String(version));
    return `${scheme}://${location.host}/api/rooms/${roomId}/live?${query}`;
  }

  function open() {
    const ws = new WebSocket(url());
    socket = ws;
    sentAt = [];
    // A socket given up on (silent) may still close or speak later: only the current one counts.
    ws.addEventListener("message", (event) => {
      if (ws === socket) receive(event.data);
    });
    ws.addEventListener("close", (event) => {
      if (ws === socket) lost(event);
    });
    ws.addEventListener("open", () => {
      if (ws === socket) ping();
    });
    heard(); // a socket that never answers is silent like one that stopped
  }

  function lost(event) {
    clearTimeout(pinger);
    clearTimeout(watchdog);
    socket = null;
    settleAll();
    if (closed) return;
    if (event?.code === REVOKED_CLOSE) {
      // The secretariat withdrew this link: retrying would never succeed (docs/protocol.md).
      closed = true;
      clearTimeout(lapse);
      setStatus("revoked");
      return;
    }
    if (status !== "offline") {
      setStatus(view ? "reconnecting" : "connecting");
      if (view && lapse == null) lapse = setTimeout(offline, OFFLINE_GRACE_MS);
    }
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] * (0.75 + Math.random() / 2);
    attempt += 1;
    setTimeout(() => {
      if (!closed) open();
    }, delay);
  }

  function offline() {
    lapse = null;
    if (!closed && view && status !== "live") setStatus("offline");
  }

  /** Heard nothing for a heartbeat and a grace: the link is dead even if TCP has not noticed. */
  function silent() {
    const dead = socket;
    socket = null; // its close event, whenever it comes, is no longer this page's business
    settleAll();
    if (view) setStatus("offline");
    // Give up on it now: close() waits for a handshake a frozen server never sends.
    dead?.close();
    lost({ code: 1006 });
  }

  function heard() {
    clearTimeout(watchdog);
    watchdog = setTimeout(silent, heartbeatMs + OFFLINE_GRACE_MS);
  }

  function send(message) {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function ping() {
    sentAt.push(performance.now());
    if (sentAt.length > pings.limit) sentAt.shift();
    send({ type: "ping", t0: pageNow() });
  }

  /** Milliseconds until the server's window takes another ping on this socket. */
  function untilAllowed() {
    if (sentAt.length < pings.limit) return 0;
    return sentAt[sentAt.length - pings.limit] + pings.seconds * 1000 + PING_MARGIN_MS - performance.now();
  }

  /**
   * Send a command on the socket (docs/protocol.md, "command"); resolves with {ack}, or
   * {status, refusal} as HTTP would answer, or null when there is no answer on this socket
   * (not open, closed meanwhile, or later than `waitMs`): the caller then sends the same
   * body, same id, over HTTP, which the server answers once whichever way came first.
   */
  function command(kind, body, waitMs = COMMAND_ANSWER_MS) {
    if (socket?.readyState !== WebSocket.OPEN || status !== "live") return Promise.resolve(null);
    const id = body.command_id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(id, null), waitMs);
      answers.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send({ type: "command", kind, body });
    });
  }

  function settle(id, answer) {
    const done = answers.get(id);
    answers.delete(id);
    done?.(answer);
  }

  function settleAll() {
    for (const id of [...answers.keys()]) settle(id, null);
  }

  /** The next clock-sync ping: soon until the window is full, then every 5 s; never refused. */
  function pingLater() {
    clearTimeout(pinger);
    const rhythm = samples.length < SAMPLES ? QUICK_PING_MS : PING_EVERY_MS;
    pinger = setTimeout(() => {
      ping();
      pingLater();
    }, Math.max(rhythm, untilAllowed()));
  }

  function receive(text) {
    const at = pageNow();
    const message = JSON.parse(text);
    heard();
    switch (message.type) {
      case "snapshot":
        if (!samples.length) offset = message.server_time - at;
        view = message.room;
        version = message.version;
        movesFrom = estimatesMoveFrom(null, view, null, message.at ?? message.server_time);
        connectedNow(message.viewer);
        onView(view);
        break;
      case "resumed":
        version = message.version;
        connectedNow(message.viewer);
        break;
      case "change":
        if (version == null || message.version <= version) break; // already seen
        if (message.version !== version + 1) {
          send({ type: "resume", version }); // a gap: ask for what is missing
          break;
        }
        view = merge(view, message.room);
        version = message.version;
        movesFrom = estimatesMoveFrom(movesFrom, view, message.room, message.at ?? now());
        onView(view);
        break;
      case "heartbeat":
        if (version != null && message.version > version) send({ type: "resume", version });
        break;
      case "pong":
        sample(message, at);
        break;
      case "ack":
        settle(message.command_id, { ack: message.ack });
        break;
      case "error":
        // A command's refusal carries its id and status; any other error, nothing this
        // page sends should cause.
        if (message.command_id != null) {
          const { detail, code, params } = message;
          settle(message.command_id, { status: message.status, refusal: { detail, code, params } });
        }
        break;
      default:
        break;
    }
  }

  function connectedNow(viewer) {
    attempt = 0;
    clearTimeout(lapse);
    lapse = null;
    if (viewer?.heartbeat) heartbeatMs = viewer.heartbeat * 1000;
    if (viewer?.pings) pings = viewer.pings;
    heard();
    pingLater();
    setStatus("live");
  }

  /** NTP: offset = ((t1 - t0) + (t2 - t3)) / 2, delay = (t3 - t0) - (t2 - t1); and its bounds. */
  function sample({ t0, t1, t2 }, t3) {
    const delay = Math.max(0, t3 - t0 - (t2 - t1));
    const measured = (t1 - t0 + (t2 - t3)) / 2;
    // Each sample is right within half its delay. One that cannot be reconciled with the
    // best one that way means the page's clock was stepped (set by hand, NTP, a laptop
    // waking): start the window afresh rather than trust the old, now wrong, samples.
    const best = samples.reduce((a, b) => (b.delay < a.delay ? b : a), samples[0]);
    if (best && Math.abs(measured - best.offset) > STEP_SECONDS + (delay + best.delay) / 2) {
      samples.length = 0;
    }
    // Each sample also bounds the offset: the ping took at least no time up, the pong at
    // least no time down, so t2 - t3 <= offset <= t1 - t0. Every bound holds at once, so
    // the window's bounds meet in an interval that is narrower than any one sample's: its
    // middle is right even when no single sample was fast both ways (a jittered path).
    const filling = samples.length < SAMPLES;
    samples.push({ offset: measured, delay, low: t2 - t3, high: t1 - t0 });
    if (samples.length > SAMPLES) samples.shift();
    if (filling && samples.length === SAMPLES && socket && !closed) pingLater(); // the 5 s rhythm now
    const low = Math.max(...samples.map((s) => s.low));
    const high = Math.min(...samples.map((s) => s.high));
    let uncertainty;
    if (low <= high) {
      offset = (low + high) / 2;
      uncertainty = (high - low) / 2;
    } else {
      // Bounds that do not meet: the clocks drifted apart within the window. The
      // lowest-delay sample is then the best one can do (NTP's clock filter).
      const chosen = samples.reduce((a, b) => (b.delay < a.delay ? b : a));
      offset = chosen.offset;
      uncertainty = chosen.delay / 2;
    }
    send({
      type: "report",
      offset,
      uncertainty,
      rtt: delay,
      samples: samples.length,
      version,
    });
  }

  // A tab coming back from the background may have slept: measure again at once.
  function awake() {
    if (!document.hidden) ping();
  }
  document.addEventListener("visibilitychange", awake);
  const now = (pageSeconds = pageNow()) => pageSeconds + offset; // the server's time at a page instant
  open();
  return {
    view: () => view,
    version: () => version,
    connected: () => status === "live",
    now,
    estimate: (startsAt) => estimatedStart(startsAt, movesFrom, now()),
    command,
    close() {
      closed = true;
      document.removeEventListener("visibilitychange", awake);
      clearTimeout(pinger);
      clearTimeout(watchdog);
      clearTimeout(lapse);
      socket?.close();
    },
  };
}

/** A change's patch: objects merge key by key, anything else replaces (app/live/protocol.py). */
export function merge(old, patch) {
  if (!old || typeof old !== "object" || Array.isArray(old)) return patch;
  const merged = { ...old };
  for (const [key, value] of Object.entries(patch)) {
    const before = merged[key];
    merged[key] =
      value && typeof value === "object" && !Array.isArray(value) && before && typeof before === "object"
        ? merge(before, value)
        : value;
  }
  return merged;
}

// -- estimates that move with the clock (M7) ------------------------------------------

/**
 * From which server instant the view's estimated starts move with the clock. While a
 * speech runs within its time they hold still until its deadline (`steady_until`); with
 * none (a pause, overtime, a free floor) they were true when rendered (`at`) and move
 * from then. A change that did not resend the queue kept the estimates it had, so they
 * move from the earlier of the two. `patch` is null for a snapshot. A view without the
 * field (an older server) is read the same way from its running deadline.
 */
export function estimatesMoveFrom(previous, view, patch, at) {
  if (!view) return null;
  let steady = view.steady_until;
  if (steady === undefined) {
    const speech = view.speech;
    steady = speech?.status === "running" && speech.ends_at > at ? speech.ends_at : null;
  }
  if (steady != null) return steady;
  const fresh = patch == null || "queue" in patch || previous == null;
  return fresh ? at : Math.min(previous, at);
}

/** M7: `startsAt` moved by the time since `movesFrom`, never before `now` (server time). */
export function estimatedStart(startsAt, movesFrom, now) {
  if (startsAt == null) return null;
  const moved = movesFrom == null ? startsAt : startsAt + Math.max(0, now - movesFrom);
  return Math.max(moved, now);
}

// -- the countdown (T5, T6) ------------------------------------------------------------

const TIME_UP_SECONDS = 5; // "the end itself" is shown this long before overtime counts up

/** What the speaker's clock shows at server time `now`: seconds left and the T5 state. */
export function speechClock(speech, now) {
  if (!speech) return { state: "idle", seconds: null };
  const left = speech.status === "running" ? speech.ends_at - now : speech.seconds_left;
  if (speech.status === "allotted") return { state: "ready", seconds: left };
  if (speech.status === "paused") return { state: "paused", seconds: left };
  if (left > speech.warning_seconds) return { state: "normal", seconds: left };
  if (left > 0) return { state: "warning", seconds: left };
  if (left > -TIME_UP_SECONDS) return { state: "timeup", seconds: left };
  return { state: "overtime", seconds: left };
}

/** "2:00" down to "0:00" (whole seconds rounded up), then "+0:01" upwards. */
export function clockText(seconds) {
  if (seconds == null) return "0:00";
  const up = seconds <= 0;
  const whole = up ? Math.floor(-seconds) : Math.ceil(seconds);
  const m = Math.floor(whole / 60);
  const s = String(whole % 60).padStart(2, "0");
  return `${up && whole > 0 ? "+" : ""}${m}:${s}`;
}

/**
 * Draw the room's countdown every animation frame from the server's deadline and the
 * clock offset, never by counting ticks: a throttled or hidden tab is right again on
 * its first frame. `onFrame(now)` lets a page redraw other clocks (phase, drift).
 */
export function runCountdown(room, box, timeEl, stateEl, onFrame = () => {}, label = defaultLabel) {
  let shown = "";
  let frame = 0;
  function draw() {
    const now = room.now();
    const { state, seconds } = speechClock(room.view()?.speech ?? null, now);
    const text = clockText(seconds);
    const key = `${state}|${text}|${document.documentElement.lang}`;
    if (key !== shown) {
      shown = key;
      timeEl.textContent = text;
      box.dataset.state = state;
      stateEl.dataset.state = state;
      stateEl.textContent = label(state);
      box.dataset.seconds = seconds == null ? "" : String(seconds);
      box.style.setProperty("--clock-em", String(clockWidth(text)));
    }
    onFrame(now);
  }
  function loop() {
    draw();
    frame = requestAnimationFrame(loop);
  }
  function visible() {
    if (!document.hidden) draw(); // right on the first frame back, whatever was missed
  }
  document.addEventListener("visibilitychange", visible);
  loop();
  return function stop() {
    cancelAnimationFrame(frame);
    document.removeEventListener("visibilitychange", visible);
  };
}

/** The text's width in em (tabular digits ~0.7em, colon ~0.4em): the wall sizes to fit it. */
function clockWidth(text) {
  let em = 0.4; // the frame and its padding
  for (const ch of text) em += ch === ":" ? 0.4 : 0.7;
  return Math.max(em, 2.8).toFixed(2);
}

function defaultLabel(state) {
  return t(`state.${state}`);
}
