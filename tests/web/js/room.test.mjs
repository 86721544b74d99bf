// room.js under Node's test runner, with a fake socket and a fake clock (no timers waited on).
// Run: node --experimental-detect-module --test tests/web/js/   (tests/web/test_tools.py does)

import assert from "node:assert/strict";
import { beforeEach, mock, test } from "node:test";

let pageTime = 1_000_000; // the page's clock, seconds
const sockets = [];

class FakeSocket {
  static OPEN = 1;
  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.OPEN;
    this.sent = [];
    this.listeners = {};
    sockets.push(this);
  }
  addEventListener(type, listener) {
    (this.listeners[type] ??= []).push(listener);
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1006) {
    this.readyState = 3;
    for (const listener of this.listeners.close ?? []) listener({ code });
  }
  deliver(message) {
    for (const listener of this.listeners.message ?? []) listener({ data: JSON.stringify(message) });
  }
}

globalThis.WebSocket = FakeSocket;
globalThis.location = { protocol: "http:", host: "example.test" };
globalThis.document = { hidden: false, addEventListener() {}, removeEventListener() {} };
Date.now = () => pageTime * 1000;

const { OFFLINE_GRACE_MS, clockText, connectRoom, estimatedStart, estimatesMoveFrom, merge, speechClock } =
  await import("../../../app/web/static/shared/room.js");

beforeEach(() => {
  sockets.length = 0;
});

const speech = (fields) => ({ status: "running", warning_seconds: 30, seconds_left: null, ...fields });

test("T5 states follow the deadline: normal, wrap-up warning, time up, overtime", () => {
  const running = speech({ ends_at: 1_000 });
  assert.equal(speechClock(running, 900).state, "normal");
  assert.equal(speechClock(running, 975).state, "warning");
  assert.equal(speechClock(running, 1_001).state, "timeup");
  assert.equal(speechClock(running, 1_030).state, "overtime");
  assert.equal(speechClock(running, 1_030).seconds, -30);
  assert.equal(speechClock(null, 0).state, "idle");
  assert.deepEqual(speechClock(speech({ status: "paused", seconds_left: 42 }), 9e9), {
    state: "paused",
    seconds: 42,
  });
});

test("T5 the clock reads whole seconds down to 0:00, then counts overtime up", () => {
  assert.equal(clockText(120), "2:00");
  assert.equal(clockText(119.2), "2:00");
  assert.equal(clockText(0.4), "0:01");
  assert.equal(clockText(0), "0:00");
  assert.equal(clockText(-0.5), "0:00");
  assert.equal(clockText(-61.9), "+1:01");
});

test("a patch merges objects key by key and replaces everything else", () => {
  const old = { speech: { status: "running", ends_at: 5 }, queue: [1, 2], cut_off: "a" };
  assert.deepEqual(merge(old, { speech: { status: "paused" }, queue: [2], cut_off: null }), {
    speech: { status: "paused", ends_at: 5 },
    queue: [2],
    cut_off: null,
  });
  assert.deepEqual(merge(old, { speech: null }).speech, null);
});

test("T6 the page's server time uses the lowest-delay ping sample (NTP)", () => {
  const room = connectRoom({ roomId: 1, token: "t" });
  const socket = sockets[0];
  socket.deliver({ type: "snapshot", version: 1, server_time: pageTime + 50, room: {}, viewer: {} });
  // A slow round trip with an asymmetric path, then a fast one: the fast one wins.
  socket.deliver({ type: "pong", t0: pageTime - 2, t1: pageTime + 9, t2: pageTime + 9 });
  assert.equal(Math.round(room.now() - pageTime), 10);
  socket.deliver({ type: "pong", t0: pageTime - 0.01, t1: pageTime + 7.995, t2: pageTime + 7.995 });
  assert.equal(Math.round(room.now() - pageTime), 8);
  const report = socket.sent.filter((m) => m.type === "report").at(-1);
  assert.equal(report.samples, 2);
  room.close();
});

test("T6 the samples' bounds meet where no single sample was fast both ways (a jittered path)", () => {
  const room = connectRoom({ roomId: 1, token: "t" });
  const socket = sockets[0];
  socket.deliver({ type: "snapshot", version: 1, server_time: pageTime + 10, room: {}, viewer: {} });
  // The server is 10 s ahead; 100 ms each way, plus 80 ms of jitter up, then down: each
  // sample alone is 40 ms off (NTP's estimate), the two together bound it exactly.
  socket.deliver({ type: "pong", t0: pageTime - 0.28, t1: pageTime + 10 - 0.1, t2: pageTime + 10 - 0.1 });
  assert.equal(Math.round((room.now() - pageTime - 10) * 1000), 40);
  socket.deliver({ type: "pong", t0: pageTime - 0.28, t1: pageTime + 10 - 0.18, t2: pageTime + 10 - 0.18 });
  assert.equal(Math.round((room.now() - pageTime - 10) * 1000), 0);
  const report = socket.sent.filter((m) => m.type === "report").at(-1);
  assert.equal(Math.round(report.uncertainty * 1000), 100); // the interval left: +-100 ms
  room.close();
});

/** Fake timers and a monotonic clock that move together: room.js paces its pings by both. */
function fakeTime() {
  let monotonic = 0;
  const real = performance.now;
  performance.now = () => monotonic;
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  return {
    tick(ms) {
      for (let step = 0; step < ms; step += 50) {
        const by = Math.min(50, ms - step);
        monotonic += by;
        mock.timers.tick(by);
      }
    },
    reset() {
      mock.timers.reset();
      performance.now = real;
    },
  };
}

/** A page whose every ping is answered at once; `sentAt` is when each left (fake ms). */
function answeredPage(viewer) {
  const room = connectRoom({ roomId: 1, token: "t" });
  const socket = sockets[0];
  const sentAt = [];
  const send = socket.send.bind(socket);
  socket.send = (text) => {
    send(text);
    const message = socket.sent.at(-1);
    if (message.type !== "ping") return;
    sentAt.push(performance.now());
    socket.deliver({ type: "pong", t0: message.t0, t1: message.t0 + 0.01, t2: message.t0 + 0.01 });
  };
  socket.deliver({ type: "snapshot", version: 1, server_time: pageTime, room: {}, viewer });
  return { room, sentAt };
}

test("T6 a new page pings every 750 ms until its window holds 16 samples, within the server's 10 in 10 s", () => {
  const clock = fakeTime();
  const { room, sentAt } = answeredPage({ heartbeat: 60, pings: { limit: 10, seconds: 10 } });
  try {
    clock.tick(7_000);
    assert.equal(sentAt.length, 9); // 9 quick pings by 6.75 s (the socket's open ping is not sent here)
    clock.tick(30_000);
    const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]);
    assert.deepEqual(gaps.slice(0, 9), Array(9).fill(750));
    // The 11th ping waits for the server's window: 10 s and a margin after the first.
    assert.ok(sentAt[10] - sentAt[0] >= 11_000, `11th ping ${sentAt[10] - sentAt[0]} ms after the first`);
    assert.ok(sentAt[10] - sentAt[0] <= 11_050);
    const full = sentAt[15]; // the 16th sample: then every 5 s
    assert.ok(full <= 16_000, `window full at ${full} ms`);
    assert.deepEqual(sentAt.slice(16).map((at, i) => at - sentAt[15 + i]), Array(sentAt.length - 16).fill(5_000));
  } finally {
    room.close();
    clock.reset();
  }
});

test("T6 a page never pings faster than the server's window takes (viewer.pings)", () => {
  const clock = fakeTime();
  const { room, sentAt } = answeredPage({ heartbeat: 60, pings: { limit: 3, seconds: 20 } });
  try {
    clock.tick(120_000);
    assert.ok(sentAt.length >= 15, `${sentAt.length} pings in 120 s`);
    for (let i = 3; i < sentAt.length; i++) {
      assert.ok(sentAt[i] - sentAt[i - 3] >= 20_000, `pings ${i - 3} and ${i}: ${sentAt[i] - sentAt[i - 3]} ms`);
    }
  } finally {
    room.close();
    clock.reset();
  }
});

test("T6 a step of the page's clock is detected and the offset follows it at once", () => {
  const room = connectRoom({ roomId: 1, token: "t" });
  const socket = sockets[0];
  socket.deliver({ type: "snapshot", version: 1, server_time: pageTime, room: {}, viewer: {} });
  for (let i = 0; i < 4; i++) {
    socket.deliver({ type: "pong", t0: pageTime - 0.02, t1: pageTime + 9.99, t2: pageTime + 9.99 });
  }
  assert.equal(Math.round(room.now() - pageTime), 10);
  pageTime += 60; // the laptop's clock is set a minute ahead; the server's is not
  socket.deliver({ type: "pong", t0: pageTime - 0.5, t1: pageTime - 50.25, t2: pageTime - 50.25 });
  assert.equal(Math.round(room.now() - pageTime), -50); // the slower sample still wins: a step
  room.close();
});

test("T6 a gap in versions asks for a resume; changes apply in order only", () => {
  const views = [];
  const room = connectRoom({ roomId: 7, token: "t", onView: (view) => views.push(view) });
  const socket = sockets[0];
  assert.match(socket.url, /\/api\/rooms\/7\/live\?token=t/);
  socket.deliver({ type: "snapshot", version: 3, server_time: pageTime, room: { a: 1 }, viewer: {} });
  assert.equal(room.connected(), true);
  socket.deliver({ type: "change", version: 5, room: { a: 5 } });
  assert.deepEqual(socket.sent.at(-1), { type: "resume", version: 3 });
  assert.deepEqual(room.view(), { a: 1 });
  socket.deliver({ type: "change", version: 4, room: { a: 4 } });
  socket.deliver({ type: "change", version: 4, room: { a: 99 } }); // a duplicate: ignored
  assert.deepEqual(room.view(), { a: 4 });
  assert.equal(views.length, 2);
  room.close();
});

test("T6 a lost link says so, keeps the view, and reconnects from its last version", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const statuses = [];
  const room = connectRoom({ roomId: 2, token: "t", onConnection: (s) => statuses.push(s) });
  sockets[0].deliver({ type: "snapshot", version: 9, server_time: pageTime, room: { b: 2 }, viewer: {} });
  sockets[0].close();
  assert.equal(room.connected(), false);
  assert.deepEqual(room.view(), { b: 2 });
  assert.deepEqual(statuses, ["live", "reconnecting"]);
  mock.timers.tick(150); // the first backoff is 250 ms ± 25 %: not yet
  assert.equal(sockets.length, 1);
  mock.timers.tick(250);
  assert.equal(sockets.length, 2);
  assert.match(sockets[1].url, /since=9/);
  room.close();
  mock.timers.reset();
});

test("issue 15: a server silent for a heartbeat and a grace makes the page offline at once, then it reconnects", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const statuses = [];
  const room = connectRoom({ roomId: 2, token: "t", onConnection: (s) => statuses.push(s) });
  const frozen = sockets[0];
  frozen.close = function () {
    this.readyState = 2; // CLOSING: a frozen server never completes the handshake, no close event
  };
  const heartbeat = { role: "display", heartbeat: 2 };
  frozen.deliver({ type: "snapshot", version: 4, server_time: pageTime, room: { c: 3 }, viewer: heartbeat });
  mock.timers.tick(1_500);
  frozen.deliver({ type: "heartbeat", version: 4, server_time: pageTime }); // heard: the watch restarts
  mock.timers.tick(2_000 + OFFLINE_GRACE_MS - 1);
  assert.equal(room.connected(), true);
  assert.deepEqual(statuses, ["live"]);
  mock.timers.tick(1); // a heartbeat and a grace since the last frame: offline, without a close event
  assert.deepEqual(statuses, ["live", "offline"]);
  assert.equal(frozen.readyState, 2); // given up on
  assert.deepEqual(room.view(), { c: 3 }); // the room it holds stays
  mock.timers.tick(400); // the first backoff
  assert.equal(sockets.length, 2);
  assert.match(sockets[1].url, /since=4/);
  frozen.deliver({ type: "change", version: 5, room: { c: 99 } }); // the old socket no longer counts
  assert.deepEqual(room.view(), { c: 3 });
  sockets[1].deliver({ type: "resumed", version: 4, viewer: heartbeat });
  assert.deepEqual(statuses, ["live", "offline", "live"]);
  room.close();
  mock.timers.reset();
});

test("issue 15: a closed link is reconnecting for the grace, then offline until it is back", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const statuses = [];
  const room = connectRoom({ roomId: 2, token: "t", onConnection: (s) => statuses.push(s) });
  sockets[0].deliver({ type: "snapshot", version: 1, server_time: pageTime, room: {}, viewer: { heartbeat: 10 } });
  sockets[0].close(1012); // the server restarts
  assert.deepEqual(statuses, ["live", "reconnecting"]);
  mock.timers.tick(OFFLINE_GRACE_MS - 1); // a retry is open meanwhile, but says nothing yet
  assert.equal(sockets.length, 2);
  assert.equal(statuses.at(-1), "reconnecting");
  mock.timers.tick(1);
  assert.equal(statuses.at(-1), "offline");
  mock.timers.tick(5_000);
  const last = sockets.at(-1);
  last.deliver({ type: "resumed", version: 1, viewer: { heartbeat: 10 } });
  assert.equal(statuses.at(-1), "live");
  assert.equal(room.connected(), true);
  room.close();
  mock.timers.reset();
});

test("issue 15: a quick reconnect never shows offline", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const statuses = [];
  const room = connectRoom({ roomId: 2, token: "t", onConnection: (s) => statuses.push(s) });
  sockets[0].deliver({ type: "snapshot", version: 1, server_time: pageTime, room: {}, viewer: { heartbeat: 10 } });
  sockets[0].close(1012);
  mock.timers.tick(400);
  sockets[1].deliver({ type: "resumed", version: 1, viewer: { heartbeat: 10 } });
  mock.timers.tick(OFFLINE_GRACE_MS * 2);
  assert.deepEqual(statuses, ["live", "reconnecting", "live"]);
  room.close();
  mock.timers.reset();
});

test("a link the secretariat revoked says so and stops reconnecting", () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const statuses = [];
  const room = connectRoom({ roomId: 2, token: "t", onConnection: (s) => statuses.push(s) });
  sockets[0].deliver({ type: "snapshot", version: 3, server_time: pageTime, room: {}, viewer: {} });
  sockets[0].close(4403);
  assert.deepEqual(statuses, ["live", "revoked"]);
  mock.timers.tick(60_000);
  assert.equal(sockets.length, 1); // no retry: a revoked link never comes back
  room.close();
  mock.timers.reset();
});

test("M7 an estimate holds still while the speech runs in its time, then moves, never in the past", () => {
  const steady = 1_000; // the speaker's deadline: the next one starts then
  assert.equal(estimatedStart(1_000, steady, 900), 1_000);
  assert.equal(estimatedStart(1_180, steady, 999), 1_180);
  assert.equal(estimatedStart(1_000, steady, 1_120), 1_120); // two minutes over: now, not 16:12
  assert.equal(estimatedStart(1_180, steady, 1_120), 1_300); // every later one moves as much
  assert.equal(estimatedStart(null, steady, 1_120), null); // not reached (C3)
  assert.equal(estimatedStart(900, null, 950), 950); // never before now
});

test("M7 from when estimates move: the deadline, else when they were rendered", () => {
  const running = { speech: { status: "running", ends_at: 1_000 }, queue: [], steady_until: 1_000 };
  assert.equal(estimatesMoveFrom(null, running, null, 900), 1_000);
  const paused = { ...running, speech: { status: "paused", ends_at: null }, steady_until: null };
  // Paused at 950: the queue's estimates did not change, but they move from the pause on.
  assert.equal(estimatesMoveFrom(1_000, paused, { speech: {}, steady_until: null }, 950), 950);
  // Re-rendered in overtime with the queue resent: they were true when rendered.
  assert.equal(estimatesMoveFrom(1_000, paused, { queue: [] }, 1_130), 1_130);
  // A change that kept the queue: they still move from the earlier instant.
  assert.equal(estimatesMoveFrom(1_000, paused, { cut_off: null }, 1_130), 1_000);
  // An older server without the field: its running deadline, while ahead.
  const older = { speech: { status: "running", ends_at: 1_000 }, queue: [] };
  assert.equal(estimatesMoveFrom(null, older, null, 900), 1_000);
  assert.equal(estimatesMoveFrom(null, older, null, 1_100), 1_100);
  assert.equal(estimatesMoveFrom(5, null, null, 1), null);
});

test("M7 the room's estimate uses the server's clock and the view's steady_until", () => {
  const room = connectRoom({ roomId: 1, token: "t" });
  const socket = sockets[0];
  const view = { speech: { status: "running", ends_at: pageTime + 10 }, queue: [], steady_until: pageTime + 10 };
  socket.deliver({ type: "snapshot", version: 1, server_time: pageTime, at: pageTime, room: view, viewer: {} });
  assert.equal(room.version(), 1);
  assert.equal(room.estimate(pageTime + 10), pageTime + 10);
  pageTime += 70; // a minute over time, no event since
  assert.equal(room.estimate(pageTime - 60), pageTime);
  assert.equal(room.estimate(pageTime + 110), pageTime + 170);
  pageTime -= 70;
  room.close();
});

test("issue 18: a clock command on the socket settles with its ack, its refusal, or null to go over HTTP", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const room = connectRoom({ roomId: 3, token: "t" });
  const socket = sockets[0];
  assert.equal(await room.command("speech", { command_id: "c-early", type: "pause" }), null); // not live yet
  socket.deliver({ type: "snapshot", version: 1, server_time: pageTime, room: {}, viewer: {} });

  const acked = room.command("speech", { command_id: "c-0001", type: "pause" });
  assert.deepEqual(socket.sent.at(-1), {
    type: "command",
    kind: "speech",
    body: { command_id: "c-0001", type: "pause" },
  });
  const ack = { command_id: "c-0001", version: 2, events: ["SpeechPaused"], duplicate: false };
  socket.deliver({ type: "ack", version: 2, command_id: "c-0001", ack });
  assert.deepEqual(await acked, { ack });

  const refused = room.command("speech", { command_id: "c-0002", type: "resume" });
  socket.deliver({ type: "error", version: 2, detail: "no", code: "x.y", params: {}, command_id: "c-0002", status: 409 });
  assert.deepEqual(await refused, { status: 409, refusal: { detail: "no", code: "x.y", params: {} } });

  const late = room.command("speech", { command_id: "c-0003", type: "end" });
  mock.timers.tick(4000); // no answer on the socket in time: the caller goes over HTTP
  assert.equal(await late, null);

  const cut = room.command("speech", { command_id: "c-0004", type: "start" });
  socket.close();
  assert.equal(await cut, null); // the link dropped: the same id goes over HTTP
  room.close();
  mock.timers.reset();
});
