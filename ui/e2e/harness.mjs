// Processes for the browser E2E test: the real daemon, sipp phones and headless Chromium.
// Every process started here is tracked and killed by `stopAll`, also when a test fails.
import { spawn, execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = resolve(UI_DIR, "..");

/** The daemon binary `npm run e2e` builds: $FRONTDESK_BIN, else $CARGO_TARGET_DIR/debug/frontdesk. */
const BUILT = join(process.env.CARGO_TARGET_DIR ?? join(REPO, "target"), "debug");
export const DAEMON_BIN = process.env.FRONTDESK_BIN ?? join(BUILT, "frontdesk");
/** The testbed's `frontdesk-lab` (Kamailio, baresip, linphonec on request), built with the daemon. */
export const LAB_BIN = process.env.FRONTDESK_LAB_BIN ?? join(BUILT, "frontdesk-lab");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const children = new Set();

/** Spawns a tracked process; its output is kept for error messages. */
export function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  child.output = "";
  child.stdout.on("data", (d) => (child.output += d));
  child.stderr.on("data", (d) => (child.output += d));
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.on("error", (error) => (child.output += `\nspawn ${command} failed: ${error.message}`));
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how the process ended. */
export async function stop(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stop(c)));
}
// Last resort if the test runner itself dies: never leave a daemon or phone behind.
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

/** Ports this process has handed out: never handed out twice, even once closed again. */
const given = new Set();

/** Whether `port` can be bound on 127.0.0.1 right now with `kind` ("tcp" or "udp4"). */
function canBind(kind, port) {
  return new Promise((resolve) => {
    const socket = kind === "tcp" ? createServer() : createSocket(kind);
    socket.once("error", () => resolve(false));
    const bound = () => socket.close(() => resolve(true));
    if (kind === "tcp") socket.listen(port, "127.0.0.1", bound);
    else socket.bind(port, "127.0.0.1", bound);
  });
}

/**
 * The first of `count` consecutive ports that are free for both TCP and UDP on 127.0.0.1
 * (SIP listens on both; RTP takes a pair, sipp's media four) and that this process has not
 * handed out before.
 */
export async function freePort(count = 1) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
    });
    if (first + count > 65536) continue;
    let free = true;
    for (let port = first; free && port < first + count; port++) {
      free = !given.has(port) && (await canBind("udp4", port)) && (await canBind("tcp", port));
    }
    if (free) {
      for (let port = first; port < first + count; port++) given.add(port);
      return first;
    }
  }
  throw new Error(`no ${count} free consecutive ports on 127.0.0.1 for both TCP and UDP`);
}

/** A mono 16-bit PCM WAV with a sine tone: the daemon's "microphone". */
export function writeToneWav(path, { hz = 440, seconds = 10, rate = 16000 } = {}) {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** Polls `check` (async, truthy = done) until `timeoutMs`; the error names what was awaited. */
export async function waitFor(what, check, timeoutMs = 15000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Starts `frontdesk daemon --ui <uiDir>` with a private home, config and data dir and the file
 * audio backend; `accounts` is TOML for `[[account]]` tables (none: direct calls only), `env`
 * extra environment (passwords named by `password_env`).
 * Resolves once the daemon has logged its UI URL.
 */
export async function startDaemon(uiDir, accounts = "", env = {}) {
  const home = mkdtempSync(join(tmpdir(), "frontdesk-e2e-"));
  const sipPort = await freePort();
  writeToneWav(join(home, "mic.wav"));
  const config = join(home, "config.toml");
  writeFileSync(
    config,
    [
      "[sip]",
      `listen = "127.0.0.1:${sipPort}"`,
      "[audio]",
      'backend = "file"',
      'play = "mic.wav"',
      'record = "rec-{call}.wav"',
      "[data]",
      'dir = "data"',
      accounts,
      "",
    ].join("\n"),
  );
  env = { ...process.env, ...env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), NO_COLOR: "1", RUST_LOG: process.env.FRONTDESK_E2E_RUST_LOG ?? "info" };
  const child = start(DAEMON_BIN, ["daemon", "--config", config, "--ui", uiDir], { env });
  const url = await waitFor(
    "the daemon to log its web UI address",
    () => {
      if (child.exitCode !== null) throw new Error(`the daemon exited early:\n${child.output}`);
      return /web UI: open (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]+)/.exec(child.output.replace(ANSI, ""))?.[1];
    },
    20000,
  ).catch((error) => {
    throw new Error(`${error.message}\ndaemon output:\n${child.output}`);
  });
  const ctl = async (...args) => {
    const { stdout } = await promisify(execFile)(DAEMON_BIN, ["ctl", "--config", config, ...args], { env });
    return stdout;
  };
  return {
    child,
    url,
    sipPort,
    home,
    ctl,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/**
 * Starts sipp with a built-in scenario (`uac`, `uas`; "" when `extra` has `-sf FILE`) for
 * one call on its own ports (SIP, four media ports and its UDP control port, so parallel runs
 * never collide). `extra` goes last. A free port can be taken by another process before sipp
 * binds it; sipp then exits at once saying so, and it is started again on other ports.
 */
export async function startSipp(scenario, extra = []) {
  for (let attempt = 1; ; attempt++) {
    const [port, media, control] = [await freePort(), await freePort(4), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), "frontdesk-sipp-"));
    const errors = join(dir, "errors.log");
    const args = [...(scenario ? ["-sn", scenario] : []), "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", String(port), "-mp", String(media)];
    args.push("-cp", String(control), "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error");
    args.push("-trace_err", "-error_file", errors, ...extra);
    const child = start("sipp", args, { cwd: dir });
    // sipp binds all its sockets before its first message.
    const early = await Promise.race([child.exited, new Promise((resolve) => setTimeout(() => resolve(null), 500))]);
    const said = () => child.output + (existsSync(errors) ? readFileSync(errors, "utf8") : "");
    if (early && attempt < 5 && /Unable to bind|Address already in use/.test(said())) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    return { child, port, dir };
  }
}

/**
 * Starts `frontdesk-lab`, the testbed's phones and registrar driven by JSON lines (see
 * crates/testbed/src/bin/frontdesk-lab.rs): `await lab.send({ do: "kamailio", presence: true })`
 * resolves with the reply's `ok` value or rejects with the lab's error message.
 */
export function startLab() {
  const child = start(LAB_BIN, [], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const waiting = [];
  let buffered = "";
  child.stdout.on("data", (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      waiting.shift()?.(line);
    }
  });
  child.exited.then(() => waiting.splice(0).forEach((reply) => reply(JSON.stringify({ error: `the lab exited:\n${child.output}` }))));
  // One request at a time: the lab answers in order, one line each.
  let queue = Promise.resolve();
  const send = (request) => {
    const result = queue
      .then(() => new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(JSON.stringify(request) + "\n");
      }))
      .then((line) => {
        const answer = JSON.parse(line);
        if ("error" in answer) throw new Error(`lab ${JSON.stringify(request)}: ${answer.error}`);
        return answer.ok;
      });
    queue = result.catch(() => {});
    return result;
  };
  return { child, send };
}

/** Headless Chromium with a throw-away profile; `close()` ends it and removes the profile. */
export async function launchBrowser() {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "frontdesk-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 800, height: 600 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15000);
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
