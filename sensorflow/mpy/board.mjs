// An emulated MicroPython board: the MicroPython WebAssembly port behind a serial line.
//
// usage: node board.mjs MICROPYTHON_MJS [HEAP_BYTES]
// stdin/stdout are the board's UART (the master side of a pseudo-terminal). Every byte goes
// to MicroPython's own event-driven REPL (pyexec), so the friendly REPL, the raw REPL
// (Ctrl-A enter, Ctrl-D execute -> "OK" output \x04 error \x04 ">", Ctrl-B exit, Ctrl-C
// clear) and soft reset (Ctrl-D on an empty line) are MicroPython's real code. Added here,
// as board firmware does:
// - raw-paste mode (Ctrl-E 'A' Ctrl-A -> "R\x01" + window size, flow control with \x01),
//   which the event-driven pyexec of this port lacks; the pasted code then runs through
//   the real raw REPL;
// - soft reset: "MPY: soft reboot", a fresh interpreter, files kept (a board keeps its
//   flash filesystem across soft resets).
// Not emulated: interrupting code that is running. Node runs the interpreter on its only
// thread, so a Ctrl-C that arrives during a long execution is read after it ends.
import { writeSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

const mjs = process.argv[2];
const heapsize = parseInt(process.argv[3] || "262144", 10);
const { loadMicroPython } = await import(pathToFileURL(mjs).href);

const PASTE_WINDOW = 128;
const CTRL_A = 0x01, CTRL_B = 0x02, CTRL_C = 0x03, CTRL_D = 0x04, CTRL_E = 0x05;

function uartWrite(data) {
  let buf = typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data);
  while (buf.length) {
    try {
      const n = writeSync(1, buf);
      buf = buf.subarray(n);
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
    }
  }
}

let mute = false;       // drop interpreter output (during a silent re-entry after reset)
let dropOk = 0;         // bytes of the raw REPL "OK" to drop (raw-paste sends no "OK")
function sink(data) {
  if (mute) return;
  let buf = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  while (dropOk > 0 && buf.length > 0) {
    buf = buf.subarray(1);
    dropOk -= 1;
  }
  if (buf.length) uartWrite(buf);
}

async function boot() {
  return loadMicroPython({ heapsize, linebuffer: false, stdout: sink, stderr: sink });
}

function snapshotFiles(fs, dir = "/", out = {}) {
  for (const name of fs.readdir(dir)) {
    if (name === "." || name === "..") continue;
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    if (["/dev", "/proc", "/tmp"].includes(path)) continue;
    const st = fs.stat(path);
    if (fs.isDir(st.mode)) snapshotFiles(fs, path, out);
    else if (fs.isFile(st.mode)) out[path] = fs.readFile(path);
  }
  return out;
}

let mp = await boot();
mp.replInit();
let raw = false;        // in the raw REPL
let lineEmpty = true;   // nothing typed since the raw REPL prompt
let pasteHeader = null; // bytes after Ctrl-E while checking for 'A' Ctrl-A
let paste = null;       // raw-paste state: {code: [], sinceAck}
let queue = [];
let busy = false;

async function softReset() {
  const files = snapshotFiles(mp.FS);
  uartWrite("MPY: soft reboot\r\n");
  mute = true;
  mp = await boot();
  for (const [path, data] of Object.entries(files)) {
    mp.FS.mkdirTree(dirname(path));
    mp.FS.writeFile(path, data);
  }
  mp.replInit();
  if (raw) mp.replProcessChar(CTRL_A);
  mute = false;
  if (raw) uartWrite("raw REPL; CTRL-B to exit\r\n>");
  else uartWrite(">>> ");
  lineEmpty = true;
}

async function toRepl(c) {
  const ret = mp.replProcessChar(c);
  if (c === CTRL_A) { raw = true; lineEmpty = true; }
  else if (raw && c === CTRL_B) { raw = false; }
  else if (raw && (c === CTRL_D || c === CTRL_C)) { lineEmpty = true; }
  else if (raw) { lineEmpty = false; }
  if (ret !== 0) await softReset();
}

async function feed(c) {
  if (paste) {
    if (c === CTRL_D) {
      uartWrite(Buffer.from([CTRL_D]));
      const code = paste.code;
      paste = null;
      for (const b of code) mp.replProcessChar(b);
      dropOk = 2;
      lineEmpty = false;
      await toRepl(CTRL_D);
      dropOk = 0;
      return;
    }
    if (c === CTRL_C) {   // abandon the paste, as pyexec does on a keyboard interrupt
      paste = null;
      uartWrite(Buffer.from([CTRL_D]));
      mp.replProcessChar(CTRL_C);
      lineEmpty = true;
      return;
    }
    paste.code.push(c);
    paste.sinceAck += 1;
    if (paste.sinceAck === PASTE_WINDOW) {
      paste.sinceAck = 0;
      uartWrite(Buffer.from([0x01]));
    }
    return;
  }
  if (pasteHeader) {
    pasteHeader.push(c);
    if (pasteHeader.length < 3) return;
    const [, a, b] = pasteHeader;
    pasteHeader = null;
    if (a === 0x41 && b === CTRL_A) {
      paste = { code: [], sinceAck: 0 };
      uartWrite(Buffer.from([0x52, 0x01, PASTE_WINDOW & 0xff, PASTE_WINDOW >> 8, 0x01]));
      return;
    }
    for (const x of [a, b]) await toRepl(x);
    return;
  }
  if (raw && lineEmpty && c === CTRL_E) {
    pasteHeader = [c];
    return;
  }
  await toRepl(c);
}

async function drain() {
  if (busy) return;
  busy = true;
  try {
    while (queue.length) {
      const chunk = queue.shift();
      for (const c of chunk) await feed(c);
    }
  } finally {
    busy = false;
  }
}

process.stdin.on("data", (chunk) => {
  queue.push(chunk);
  drain().catch((err) => {
    process.stderr.write(`board emulator failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
