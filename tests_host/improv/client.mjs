// Drives a simulated board with the real Improv Wi-Fi serial SDK
// (improv-wifi-serial-sdk, what ESP Web Tools uses), as a browser would over
// Web Serial: the "port" is a board's console, its readable and writable
// streams the console's bytes.
//
//   node --import ./register.mjs client.mjs STEPS -- COMMAND ARGS...
//   node --import ./register.mjs client.mjs STEPS --tty /dev/pts/N
//
// COMMAND is the board: tools/sim.py (its stdin and stdout are the console),
// or anything else that speaks on stdin/stdout; or a serial port, such as the
// board double's pseudo-terminal (tools/ptyboard.py), already booted. STEPS, comma-separated:
// initialize, scan, provision:SSID:PASSWORD, state. Each step prints one JSON
// line ({"step", "ok", ...}); the board's text goes to stderr.
import { spawn } from "node:child_process";
import fs from "node:fs";
import tty from "node:tty";
import { ImprovSerial } from "improv-wifi-serial-sdk/dist/serial.js";
import { ImprovSerialCurrentState } from "improv-wifi-serial-sdk/dist/const.js";

const steps = process.argv[2].split(",");
const ttyPath = process.argv[3] === "--tty" ? process.argv[4] : null;
let board;
if (ttyPath) {
  // A serial port: its bytes both ways. The board is up already. Node's
  // tty streams wait on the port in its event loop; fs streams would block a
  // worker thread in read(), and the process could not exit while it did.
  const fd = fs.openSync(ttyPath, "r+");
  board = { stdout: new tty.ReadStream(fd), stdin: new tty.WriteStream(fd), kill() {} };
} else {
  const [command, ...args] = process.argv.slice(process.argv.indexOf("--") + 1);
  board = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
}

// A Web Serial port whose streams are the board's console.
const port = {
  readable: new ReadableStream({
    start(controller) {
      board.stdout.on("data", (chunk) => {
        process.stderr.write(chunk);
        controller.enqueue(new Uint8Array(chunk));
      });
      board.stdout.on("end", () => controller.close());
    },
  }),
  writable: new WritableStream({
    // Done once the bytes are queued, in order, as a browser's port is: the
    // SDK sends a command without waiting for its write, and takes the
    // port's writer for the next one as soon as the answer is in; a write
    // still waiting then would hold the writer (ERR_INVALID_STATE).
    write(chunk) {
      if (!board.stdin.write(Buffer.from(chunk))) {
        return new Promise((done) => board.stdin.once("drain", done));
      }
    },
  }),
};

const quiet = { log() {}, debug() {}, error: (...a) => process.stderr.write(a.join(" ") + "\n") };

process.on("unhandledRejection", (e) => {
  process.stderr.write("client.mjs: unhandled " + (e && e.stack || e) + "\n");
  process.exit(3);
});

function say(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

async function waitForReady() {
  // The console says READY once provisioning is up: the board has booted.
  let seen = "";
  await new Promise((resolve) => {
    board.stdout.on("data", function look(chunk) {
      seen += chunk.toString("latin1");
      if (seen.includes("READY mode=")) {
        board.stdout.off("data", look);
        resolve();
      }
    });
  });
}

async function main() {
  if (!ttyPath) {
    await waitForReady();
  }
  const client = new ImprovSerial(port, quiet);
  for (const step of steps) {
    const [name, ...rest] = step.split(":");
    try {
      if (name === "initialize") {
        say({ step: name, ok: true, info: await client.initialize(15000), state: client.state });
      } else if (name === "scan") {
        say({ step: name, ok: true, networks: await client.scan() });
      } else if (name === "provision") {
        await client.provision(rest[0], rest[1], 30000);
        say({ step: name, ok: true, state: client.state, nextUrl: client.nextUrl });
      } else if (name === "state") {
        await client.requestCurrentState();
        say({ step: name, ok: true, state: client.state, nextUrl: client.nextUrl });
      }
    } catch (e) {
      // The board sends the error, then its state back to READY, as ESPHome
      // does; the SDK rejects on the error, so the state frame may still be
      // on its way: wait for it, as a page showing the state would.
      if (client.state === ImprovSerialCurrentState.PROVISIONING) {
        await new Promise((done) => {
          const timer = setTimeout(done, 10000);
          client.addEventListener("state-changed", () => { clearTimeout(timer); done(); }, { once: true });
        });
      }
      say({ step: name, ok: false, error: String(e && e.message || e), state: client.state });
    }
  }
  board.kill("SIGTERM");
  process.exit(0);
}

main();
