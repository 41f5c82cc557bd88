// Runs one job on the MicroPython WebAssembly port under Node.js.
//
// usage: node run.mjs MICROPYTHON_MJS < job.json > result.json
// job:    {"heapsize": bytes, "files": {"/lib/x.py": "<base64>"}, "code": "...", "collect": ["/out.bin"]}
// result: {"ok": bool, "stdout": "...", "files": {"/out.bin": "<base64>"},
//          "error": null | {"type": "ValueError", "message": "<traceback text>"}}
// The bundled micropython.mjs CLI exits 0 on an uncaught Python exception; this driver
// reports the exception instead, and exits non-zero only when the interpreter cannot run.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

const mjs = process.argv[2];
if (!mjs) {
  process.stderr.write("usage: node run.mjs MICROPYTHON_MJS < job.json\n");
  process.exit(2);
}
const { loadMicroPython } = await import(pathToFileURL(mjs).href);
const job = JSON.parse(readFileSync(0, "utf8"));

const chunks = [];
const decoder = new TextDecoder("utf-8");
const sink = (data) => chunks.push(typeof data === "string" ? data : decoder.decode(data, { stream: true }));
const mp = await loadMicroPython({
  heapsize: job.heapsize || 1024 * 1024,
  linebuffer: false,
  stdout: sink,
  stderr: sink,
});

for (const [path, b64] of Object.entries(job.files || {})) {
  mp.FS.mkdirTree(dirname(path));
  mp.FS.writeFile(path, Buffer.from(b64, "base64"));
}

const result = { ok: true, stdout: "", files: {}, error: null };
try {
  mp.runPython(job.code || "");
} catch (err) {
  if (err && err.constructor && err.constructor.name === "PythonError") {
    result.ok = false;
    result.error = { type: String(err.type), message: String(err.message) };
  } else {
    throw err;
  }
}
result.stdout = chunks.join("");
for (const path of job.collect || []) {
  try {
    result.files[path] = Buffer.from(mp.FS.readFile(path)).toString("base64");
  } catch (err) {
    result.files[path] = null;
  }
}
process.stdout.write(JSON.stringify(result) + "\n");
