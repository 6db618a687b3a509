// The Pico's QSPI flash chip (a W25Q16JV: 2 MB, 4 KB sectors, 256-byte
// pages), for an RP2040 emulated by rp2040js. rp2040js reads flash through
// XIP but carries out no flash commands: its SSI answers "not busy" and
// reads zeros, so MicroPython's first-boot littlefs format writes nothing
// and open() fails with ENODEV. This model sits on the SSI data register and
// on the QSPI chip-select pad and does what the chip does for the commands
// the RP2040 bootrom's flash routines and pico-sdk's flash_do_cmd() send:
// write enable, page program (bits only go from 1 to 0; the address wraps
// within the page), sector, block and chip erase, status, JEDEC and unique
// id, read.
//
// A command is the bytes sent while software holds chip-select low (the
// bootrom and pico-sdk force it through IO_QSPI's GPIO_QSPI_SS_CTRL
// OUTOVER); a program or erase takes effect when chip-select goes high
// again, as on the chip. Bytes sent while chip-select is not forced (boot2
// and the XIP set-up) are answered with zeros, as rp2040js did.
//
// Every program and erase is written through to the image file at once, so
// the file is the flash: a process killed at any moment leaves what a power
// cut leaves. `cutAfter` stops the chip after that many programs and
// erases, the last one done only in part (`cutPart`, 0 < part <= 1: that
// share of its bytes, from its start), for power-cut tests.
import fs from "node:fs";
import { BasePeripheral } from "rp2040js";

export const FLASH_SIZE = 2 * 1024 * 1024;
const PAGE = 256;
const JEDEC_ID = [0xef, 0x40, 0x15]; // Winbond W25Q16JV
const SSI_TXFLR = 0x20;
const SSI_RXFLR = 0x24;
const SSI_SR = 0x28;
const SSI_DR0 = 0x60;
const SR_TFNF = 0x02; // transmit FIFO not full
const SR_TFE = 0x04; // transmit FIFO empty
const SR_RFNE = 0x08; // receive FIFO not empty
const RX_FIFO_DEPTH = 16;
const SS_CTRL = 0x0c; // IO_QSPI GPIO_QSPI_SS_CTRL
const OUTOVER_LOW = 2; // chip-select forced low: a command starts
const CMD = {
  WRITE_STATUS: 0x01, PAGE_PROGRAM: 0x02, READ: 0x03, WRITE_DISABLE: 0x04, READ_STATUS: 0x05,
  WRITE_ENABLE: 0x06, FAST_READ: 0x0b, SECTOR_ERASE: 0x20, READ_STATUS2: 0x35, UNIQUE_ID: 0x4b,
  BLOCK32_ERASE: 0x52, CHIP_ERASE: 0x60, JEDEC: 0x9f, CHIP_ERASE2: 0xc7, BLOCK64_ERASE: 0xd8,
};
const ERASE_SIZE = {
  [CMD.SECTOR_ERASE]: 4096, [CMD.BLOCK32_ERASE]: 32768, [CMD.BLOCK64_ERASE]: 65536,
  [CMD.CHIP_ERASE]: FLASH_SIZE, [CMD.CHIP_ERASE2]: FLASH_SIZE,
};

export class FlashChip {
  /**
   * mcu: the rp2040js RP2040; fd: the image file, open for reading and
   * writing (its first FLASH_SIZE bytes are the flash); uniqueId: 8 bytes.
   * onOp(count): after each program or erase; onCut(): when cutAfter is reached.
   */
  constructor(mcu, fd, uniqueId, { onOp = () => {}, onCut = () => {} } = {}) {
    this.mcu = mcu;
    this.fd = fd;
    this.uniqueId = uniqueId;
    this.onOp = onOp;
    this.onCut = onCut;
    this.ops = 0; // programs and erases done since power-on
    this.cutAfter = null;
    this.cutPart = 1;
    this.writeEnabled = false;
    this.selected = false;
    this.command = []; // the bytes of the command under way
    this.replies = []; // what the chip shifted out, one byte per byte in
    this.ssCtrl = 0;
    this.halted = false;
    const ssi = mcu.peripherals[0x18000];
    const flash = this;
    // The SSI: its registers stay rp2040js's, but for the data register
    // and the FIFO levels and status that the bootrom's and pico-sdk's
    // transfer loops poll: a byte sent is shifted out at once, and the
    // chip's answer waits in the receive FIFO until it is read.
    mcu.peripherals[0x18000] = new (class extends BasePeripheral {
      readUint32(offset) {
        switch (offset) {
          case SSI_DR0:
            return flash.read();
          case SSI_TXFLR:
            return 0;
          case SSI_RXFLR:
            return flash.replies.length;
          case SSI_SR:
            return SR_TFNF | SR_TFE | (flash.replies.length ? SR_RFNE : 0);
          default:
            return ssi.readUint32(offset);
        }
      }
      writeUint32(offset, value) {
        if (offset === SSI_DR0) flash.write(value & 0xff);
        else ssi.writeUint32(offset, value);
      }
    })(mcu, "SSI");
    // IO_QSPI (unimplemented in rp2040js): the pads' control registers,
    // kept so that read-modify-write works; chip-select's is watched.
    const regs = new Uint32Array(0x40 / 4);
    mcu.peripherals[0x40018] = new (class extends BasePeripheral {
      readUint32(offset) {
        return offset < 0x40 ? regs[offset >> 2] : 0;
      }
      writeUint32(offset, value) {
        if (offset >= 0x40) return;
        regs[offset >> 2] = value;
        if (offset === SS_CTRL) flash.chipSelect(((value >> 8) & 3) === OUTOVER_LOW);
      }
    })(mcu, "IO_QSPI_BASE");
  }

  chipSelect(low) {
    if (low && !this.selected) {
      this.command = [];
      this.replies = [];
    } else if (!low && this.selected) {
      this.finish();
    }
    this.selected = low;
  }

  write(byte) {
    let reply = 0;
    if (this.selected) {
      this.command.push(byte);
      reply = this.reply(this.command.length - 1);
    }
    if (this.replies.length < RX_FIFO_DEPTH) this.replies.push(reply); // a full FIFO drops it, as the SSI does
  }

  read() {
    return this.replies.length ? this.replies.shift() : 0;
  }

  // The byte the chip shifts out while byte n of the command comes in.
  reply(n) {
    const cmd = this.command;
    switch (cmd[0]) {
      case CMD.READ_STATUS:
        return this.writeEnabled ? 0x02 : 0; // never busy: programs and erases are done at once
      case CMD.READ_STATUS2:
        return 0x02; // quad enable set, as on a Pico's chip
      case CMD.JEDEC:
        return n >= 1 && n <= 3 ? JEDEC_ID[n - 1] : 0;
      case CMD.UNIQUE_ID:
        return n >= 5 && n < 13 ? this.uniqueId[n - 5] : 0;
      case CMD.READ:
      case CMD.FAST_READ: {
        const first = cmd[0] === CMD.READ ? 4 : 5; // FAST_READ has a dummy byte
        if (n < first) return 0;
        return this.mcu.flash[(this.address() + n - first) % FLASH_SIZE];
      }
      case CMD.WRITE_ENABLE:
        if (n === 0) this.writeEnabled = true;
        return 0;
      case CMD.WRITE_DISABLE:
        if (n === 0) this.writeEnabled = false;
        return 0;
      default:
        return 0;
    }
  }

  address() {
    const c = this.command;
    return ((c[1] << 16) | (c[2] << 8) | c[3]) >>> 0;
  }

  // Chip-select went high: a program or erase takes effect now.
  finish() {
    const cmd = this.command;
    if (!cmd.length || !this.writeEnabled || this.halted) return;
    if (cmd[0] === CMD.WRITE_STATUS) {
      this.writeEnabled = false;
      return;
    }
    const erase = ERASE_SIZE[cmd[0]];
    if (cmd[0] === CMD.PAGE_PROGRAM && cmd.length > 4) {
      this.writeEnabled = false;
      this.program(this.address() % FLASH_SIZE, cmd.slice(4));
    } else if (erase && (cmd.length >= 4 || erase === FLASH_SIZE)) {
      this.writeEnabled = false;
      const start = erase === FLASH_SIZE ? 0 : (this.address() % FLASH_SIZE) & ~(erase - 1);
      this.erase(start, erase);
    }
  }

  program(address, data) {
    const cut = this.lastOp();
    const flash = this.mcu.flash;
    const page = address & ~(PAGE - 1);
    // More than a page wraps around in it: the last 256 bytes count.
    const bytes = data.length > PAGE ? data.slice(data.length - PAGE) : data;
    const count = cut ? Math.round(bytes.length * this.cutPart) : bytes.length;
    let offset = address - page;
    for (let i = 0; i < count; i++) {
      flash[page + offset] &= bytes[i];
      offset = (offset + 1) % PAGE;
    }
    this.store(page, PAGE);
    this.done(cut);
  }

  erase(start, size) {
    const cut = this.lastOp();
    const count = cut ? Math.round(size * this.cutPart) : size;
    this.mcu.flash.fill(0xff, start, start + count);
    this.store(start, size);
    this.done(cut);
  }

  lastOp() {
    return this.cutAfter !== null && this.ops + 1 >= this.cutAfter;
  }

  store(start, size) {
    fs.writeSync(this.fd, this.mcu.flash, start, size, start);
  }

  done(cut) {
    this.ops += 1;
    this.onOp(this.ops);
    if (cut) {
      this.halted = true; // nothing more reaches the flash: the power is gone
      this.onCut();
    }
  }
}
