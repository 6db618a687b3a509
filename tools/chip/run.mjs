// One power-on of an emulated Raspberry Pi Pico: MicroPython's rp2 port on
// rp2040js's RP2040, with what rp2040js leaves out added from here (the
// package itself is used as it is):
// - the flash chip (flash.mjs): littlefs is written to, and survives power cycles;
// - BOOTSEL: rp2040js resets the QSPI chip-select pad without its input
//   enabled, so rp2.bootsel_button() would read as held; here it reads as
//   released unless the host holds it;
// - the USB CDC host holds an OUT transfer until there is input, instead of
//   answering each at once with an empty packet (which kept the chip busy
//   in USB interrupts about two thirds of the time);
// - time: the emulator skips its clock over the chip's idle waits, so a
//   chip-side timeout expired at once in wall terms. Here an idle chip
//   sleeps in real time and wakes early for input. Busy, it runs at the
//   emulator's speed (a fraction of a real chip's): a chip-side timeout
//   never expires sooner, in wall time, than it would on a board.
//
//   node run.mjs --flash FILE --firmware UF2 --bootrom BIN --uid HEX [--control FD]
//
// stdin and stdout are the USB CDC serial line's bytes. File descriptor FD
// (default 3), a socket, is the control line: JSON objects, one per line. From the host:
//   {"bootsel": true|false}          hold or release the BOOTSEL button
//   {"cut": N, "part": P}            cut the power after N more programs or
//                                    erases of the flash, the last one done only
//                                    in part (0 < P <= 1); {"cut": null} takes that back
//   {"stats": true}                  answer {"stats": {"cycles", "chip_ms", "flash_ops"}}
// To the host: {"usb": "up"} once the serial port is configured,
// {"flash_ops": N} after each program or erase, {"cut": N} when the power
// went, {"reset": "watchdog"} when the firmware reset the chip.
// Exit codes: 0 the host closed the line, 10 a reset (the host powers the
// chip on again on the same flash), 11 a power cut.
import fs from "node:fs";
import net from "node:net";
import { Simulator, USBCDC } from "rp2040js";
import { FlashChip, FLASH_SIZE } from "./flash.mjs";

const EXIT_RESET = 10;
const EXIT_CUT = 11;
const NANOS_PER_CYCLE = 8; // 125 MHz
// Waits shorter than this are skipped at once (the USB controller's 10 us
// packet delays): sleeping for them would cost a millisecond of wall time each.
const SHORT_WAIT_NS = 200_000;
const SLICE_MS = 20; // run this long between looks at the host's input
const UF2_MAGIC = [0x0a324655, 0x9e5d5157, 0x0ab16f30];

function options(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--")) throw new Error("unexpected argument " + argv[i]);
    opts[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of ["flash", "firmware", "bootrom", "uid"]) {
    if (!opts[name]) throw new Error("--" + name + " is required");
  }
  return opts;
}

// The UF2 image's blocks laid into the flash, as a drag-and-drop flash does:
// the rest of the flash (the filesystem) is kept.
function flashFirmware(mcu, fd, uf2) {
  for (let at = 0; at + 512 <= uf2.length; at += 512) {
    const block = new DataView(uf2.buffer, uf2.byteOffset + at, 512);
    if (UF2_MAGIC.some((m, i) => block.getUint32(i === 2 ? 508 : i * 4, true) !== m)) {
      throw new Error("the firmware is not a UF2 image (block " + at / 512 + ")");
    }
    const address = block.getUint32(12, true) - 0x10000000;
    const size = block.getUint32(16, true);
    if (address < 0 || address + size > FLASH_SIZE) throw new Error("UF2 block outside the flash");
    const data = uf2.subarray(at + 32, at + 32 + size);
    if (!Buffer.from(mcu.flash.subarray(address, address + size)).equals(data)) {
      mcu.flash.set(data, address);
      fs.writeSync(fd, mcu.flash, address, size, address);
    }
  }
}

function openFlash(path) {
  if (!fs.existsSync(path)) {
    fs.writeFileSync(path, Buffer.alloc(FLASH_SIZE, 0xff)); // a new chip is erased
  }
  const fd = fs.openSync(path, "r+");
  if (fs.fstatSync(fd).size < FLASH_SIZE) throw new Error(path + " is smaller than the flash (" + FLASH_SIZE + " bytes)");
  return fd;
}

const opts = options(process.argv.slice(2));
const control = new net.Socket({ fd: Number(opts.control || 3), readable: true, writable: true });
const tell = (message) => control.write(JSON.stringify(message) + "\n");

const simulator = new Simulator();
const mcu = simulator.rp2040;
// stdout is the serial line: what rp2040js prints goes to stderr instead,
// but for its notes on the inter-core FIFO, which it does not model
// (MicroPython drains it at every soft reset, harmlessly).
const complain = (...words) => {
  const text = words.join(" ");
  if (!/invalid SIO address: (50|58)$/.test(text)) process.stderr.write(`chip: emulator: ${text}\n`);
};
const quiet = () => {};
console.log = console.info = console.warn = console.error = complain;
console.debug = quiet;
mcu.logger = { debug: quiet, info: quiet, warn: quiet, error: (component, message) => complain(component, message) };
mcu.loadBootrom(new Uint32Array(new Uint8Array(fs.readFileSync(opts.bootrom)).buffer));

const fd = openFlash(opts.flash);
fs.readSync(fd, mcu.flash, 0, FLASH_SIZE, 0);
flashFirmware(mcu, fd, fs.readFileSync(opts.firmware));
const flash = new FlashChip(mcu, fd, Buffer.from(opts.uid, "hex"), {
  onOp: (n) => tell({ flash_ops: n }),
  onCut: () => {
    tell({ cut: flash.ops });
    powerOff(EXIT_CUT);
  },
});

// BOOTSEL: the QSPI chip-select line, read through its pad while the
// firmware lets it float; low while the button is held.
let bootselHeld = false;
Object.defineProperty(mcu.qspi[1], "inputValue", { get: () => !bootselHeld });

// A reset through the watchdog (machine.reset(), and the bootloader): the
// host starts a new chip on the same flash. The watchdog is stopped first,
// or its timer would fire again at once for ever.
const watchdog = mcu.peripherals[0x40058];
watchdog.onWatchdogTrigger = () => {
  watchdog.timer.enable = false;
  watchdog.alarm.enable = false;
  tell({ reset: "watchdog" });
  powerOff(EXIT_RESET);
};

// The USB host: a CDC serial port whose OUT transfers wait for input.
const cdc = new USBCDC(mcu.usbCtrl);
const input = []; // Buffers from the host not yet given to the chip
let pendingRead = null; // the OUT endpoint's transfer waiting for input: [endpoint, size]
mcu.usbCtrl.onEndpointRead = (endpoint, size) => {
  if (endpoint !== cdc.outEndpoint) return;
  pendingRead = [endpoint, size];
  feed();
};
function feed() {
  if (!pendingRead || !input.length) return;
  const [endpoint, size] = pendingRead;
  pendingRead = null;
  let chunk = input[0];
  if (chunk.length > size) {
    input[0] = chunk.subarray(size);
    chunk = chunk.subarray(0, size);
  } else {
    input.shift();
  }
  mcu.usbCtrl.endpointReadDone(endpoint, chunk);
}
cdc.onDeviceConnected = () => tell({ usb: "up" });
cdc.onSerialData = (data) => process.stdout.write(data);

process.stdin.on("data", (data) => {
  input.push(new Uint8Array(data));
  feed();
  wake();
});
process.stdin.on("end", () => powerOff(0));

let controlText = "";
control.on("data", (data) => {
  controlText += data.toString();
  let nl;
  while ((nl = controlText.indexOf("\n")) >= 0) {
    const message = JSON.parse(controlText.slice(0, nl));
    controlText = controlText.slice(nl + 1);
    if ("bootsel" in message) bootselHeld = !!message.bootsel;
    if ("cut" in message) {
      flash.cutAfter = message.cut === null ? null : flash.ops + message.cut;
      flash.cutPart = message.part || 1;
    }
    if (message.stats) {
      tell({ stats: { cycles, chip_ms: mcu.clock.nanos / 1e6, flash_ops: flash.ops } });
    }
  }
});
control.on("end", () => powerOff(0));

// The run loop: slices of emulation between looks at the host's input; an
// idle chip (WFI/WFE) sleeps in real time until its next timer or input.
let cycles = 0;
let sleeping = null; // {timer, since, nanos} while the chip sleeps
let running = true;

function slice() {
  if (!running) return;
  const core = mcu.core;
  const clock = mcu.clock;
  const until = performance.now() + SLICE_MS;
  while (running && performance.now() < until) {
    for (let i = 0; i < 50000 && running; i++) {
      if (core.waiting) {
        const next = clock.nextAlarm;
        if (next && clock.nanosToNextAlarm <= SHORT_WAIT_NS) {
          clock.tick(clock.nanosToNextAlarm);
          continue;
        }
        sleep(next ? clock.nanosToNextAlarm : Infinity);
        return;
      }
      const n = core.executeInstruction();
      cycles += n;
      clock.tick(n * NANOS_PER_CYCLE);
    }
  }
  setImmediate(slice);
}

function sleep(nanos) {
  const timer = nanos === Infinity ? null : setTimeout(() => wake(true), Math.ceil(nanos / 1e6));
  sleeping = { timer, since: process.hrtime.bigint(), nanos };
}

function wake(timedOut = false) {
  if (!sleeping || !running) return;
  const { timer, since, nanos } = sleeping;
  sleeping = null;
  clearTimeout(timer);
  const slept = Number(process.hrtime.bigint() - since);
  mcu.clock.tick(timedOut ? nanos : Math.min(slept, nanos));
  setImmediate(slice);
}

function powerOff(code) {
  if (!running) return;
  running = false;
  if (sleeping) clearTimeout(sleeping.timer);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  control.end(() => process.exit(code));
  setTimeout(() => process.exit(code), 200).unref();
}

mcu.core.PC = 0x10000000;
slice();
