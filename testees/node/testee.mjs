#!/usr/bin/env node
// A conformance testee in JavaScript: hosts a WebAssembly build of a runtime
// (the raw ABI of spec/abi.md) and speaks spec/harness-protocol.md on stdin
// and stdout. Node 20 or later, no dependencies.
//
//   node testees/node/testee.mjs path/to/tinyrustlm.wasm
//
// One WebAssembly instance per session (new_session instantiates anew); every
// session call goes through the exports by the mapping of spec/abi.md §10, and
// the raw steps alloc/write/invoke/read drive the exports directly
// (harness-protocol.md §6).
//
// When the module traps (a RuntimeError: unreachable, out of bounds, …), or
// it breaks the ABI in a way no error code describes, or a request is
// malformed, this script replies nothing: it writes the reason to stderr and
// exits with status 70 (the harness reports the step as crashed and starts a
// new process for the next vector, [PROTO-FAIL-04]).

import { readFileSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';

const PROTOCOL = 'tinyrustlm-harness';
const PROTOCOL_VERSION = 1;
const NAME = 'node-wasm';
const PROFILES = ['container', 'quant', 'tokenizer', 'generation', 'abi', 'inspect', 'diagnostics', 'adapters'];
const MODEL_BYTE_BUDGET = 33554432;
const STOP_REASONS = { 1: 'max_tokens', 2: 'eos', 3: 'context_full' };
// Parameters of type `float` (every other parameter is an i32: uint32_t,
// pointer or size_t; wasm32).
const F32_PARAMS = { slm_set_sampling: [0, 2] };

/** A failure that is not an error code: report it on stderr and exit. */
class Fatal extends Error {}

function die(message) {
  try {
    writeSync(2, `node testee: ${message}\n`);
  } catch {
    // nothing left to tell
  }
  process.exit(70);
}

// ---------------------------------------------------------------------------
// The module and its instances.

const wasmPath = process.argv[2];
if (!wasmPath || process.argv.length !== 3) {
  writeSync(2, 'usage: node testee.mjs path/to/runtime.wasm\n');
  process.exit(2);
}
let wasmBytes;
try {
  wasmBytes = readFileSync(wasmPath);
} catch (e) {
  writeSync(2, `node testee: cannot read ${wasmPath}: ${e.message}\n`);
  process.exit(1);
}
let module;
try {
  module = new WebAssembly.Module(wasmBytes);
} catch (e) {
  writeSync(2, `node testee: ${wasmPath} is not a WebAssembly module: ${e.message}\n`);
  process.exit(1);
}
// [ABI-TYPE-03]: exactly one import, env.slm_host_now_ms.
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name} (${i.kind})`);
if (imports.length !== 1 || imports[0] !== 'env.slm_host_now_ms (function)') {
  writeSync(2, `node testee: ${wasmPath} must import exactly env.slm_host_now_ms; it imports: ${imports.join(', ') || 'nothing'}\n`);
  process.exit(1);
}
const digest = createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16);

function instantiate() {
  const instance = new WebAssembly.Instance(module, {
    env: { slm_host_now_ms: () => performance.now() },
  });
  return instance.exports;
}

const abiVersion = instantiate().slm_abi_version() >>> 0;
// Version 2 adds handles (spec/abi.md §4.2) beside every export of version 1;
// the raw `invoke` step reaches them like any other export.
if (abiVersion !== 1 && abiVersion !== 2) {
  writeSync(2, `node testee: ${wasmPath} has ABI version ${abiVersion}; this testee speaks ABI versions 1 and 2\n`);
  process.exit(1);
}

/** The session: one instance and the raw steps' buffer names. */
let x = null; // the instance's exports
let names = new Map(); // buffer name -> address (u32)

function newSession() {
  x = instantiate();
  names = new Map();
}

function memory() {
  // Re-read after every call: memory.grow detaches the old ArrayBuffer.
  return new Uint8Array(x.memory.buffer);
}

function exportFn(name) {
  const f = x[name];
  if (typeof f !== 'function') throw new Fatal(`the module has no export ${name}`);
  return f;
}

/** Call an export that returns a uint32_t. */
function call(name, ...args) {
  return exportFn(name)(...args) >>> 0;
}

/** Copy `len` bytes of instance memory at `ptr` (a host read). */
function readMemory(ptr, len, what) {
  if (len === 0) return Buffer.alloc(0); // any pointer may come with length 0 ([ABI-OWN-01])
  const mem = memory();
  if (ptr + len > mem.length) {
    throw new Fatal(`${what}: (${ptr}, ${len}) lies outside the instance's memory of ${mem.length} bytes`);
  }
  return Buffer.from(mem.slice(ptr, ptr + len));
}

const output = () => readMemory(call('slm_output_ptr'), call('slm_output_len'), 'output buffer');
const result = () => readMemory(call('slm_result_ptr'), call('slm_result_len'), 'result buffer');

/** The reply to a failed call: the status is the error code. */
class CallError {
  constructor(code) {
    this.code = code;
  }
}

function check(status) {
  if (status !== 0) throw new CallError(status);
}

/**
 * "Put b" of abi.md §10: run `f(ptr, len)` with `bytes` in a fresh host
 * buffer (or (0, 0) when empty), freeing the buffer afterwards unless `keep`
 * says the call took it over.
 */
function withBuffer(bytes, f, keep = () => false) {
  if (bytes.length === 0) return f(0, 0);
  const p = call('slm_alloc', bytes.length);
  if (p === 0) throw new CallError(call('slm_last_error'));
  memory().set(bytes, p);
  const status = f(p, bytes.length); // a trap propagates: the process exits
  if (!keep(status)) call('slm_free', p);
  return status;
}

// ---------------------------------------------------------------------------
// Encodings (harness-protocol.md [PROTO-FRAME-05]).

function bytesFromHex(s, what) {
  if (typeof s !== 'string') throw new Fatal(`${what} must be a hex string`);
  const b = Buffer.from(s, 'hex');
  if (b.length * 2 !== s.length) throw new Fatal(`${what} is not hex`);
  return b;
}

function bits(s, digits, what) {
  if (typeof s !== 'string' || s.length !== digits + 2 || !/^0x[0-9a-f]+$/.test(s)) {
    throw new Fatal(`${what} must be "0x" + ${digits} hex digits`);
  }
  return digits === 16 ? BigInt(s) : parseInt(s.slice(2), 16);
}

const hex = (n, digits) => '0x' + n.toString(16).padStart(digits, '0');

function u32(v, what) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Fatal(`${what} must be a u32`);
  return v;
}

const scratch = new DataView(new ArrayBuffer(4));
function f32FromBits(b) {
  scratch.setUint32(0, b, true);
  return scratch.getFloat32(0, true);
}

function u32Array(bytes, what) {
  if (bytes.length % 4 !== 0) throw new Fatal(`${what}: ${bytes.length} bytes is not a whole number of u32`);
  const out = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readUInt32LE(i));
  return out;
}

const f32BitsArray = (bytes, what) => u32Array(bytes, what).map((b) => hex(b, 8));

function idsToBytes(ids) {
  if (!Array.isArray(ids)) throw new Fatal('ids must be an array');
  const b = Buffer.alloc(ids.length * 4);
  ids.forEach((id, i) => b.writeUInt32LE(u32(id, 'ids[]'), i * 4));
  return b;
}

function valuesToBytes(values) {
  if (!Array.isArray(values)) throw new Fatal('values must be an array');
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(bits(v, 8, 'values[]'), i * 4));
  return b;
}

// ignoreBOM: a leading U+FEFF is text like any other (TOK-TEXT-01); by default
// TextDecoder would strip it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function text(bytes, what) {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Fatal(`${what} is not UTF-8`);
  }
}

function dtypeCode(d) {
  if (d === 'q8_0') return 1;
  if (d === 'q4_0') return 2;
  throw new Fatal(`unknown dtype ${JSON.stringify(d)}`);
}

/** [PROTO-ABI-03]: a u64 (BigInt) reduced to the 32-bit pointer width. */
const low32 = (v) => Number(BigInt.asUintN(32, v));

function address(name) {
  if (typeof name !== 'string' || !names.has(name)) {
    throw new Fatal(`buffer ${JSON.stringify(name)} was not bound by an alloc step`);
  }
  return names.get(name);
}

// ---------------------------------------------------------------------------
// The calls (harness-protocol.md §3–§4, abi.md §10). Each returns the output
// object or throws CallError / Fatal.

const calls = {
  load_model(r) {
    const m = bytesFromHex(r.model_hex, 'model_hex');
    let status;
    if (m.length > MODEL_BYTE_BUDGET) {
      status = call('slm_load_model', 0, m.length);
    } else {
      // On success the buffer becomes the model: not freed ([ABI-LOAD-02]).
      status = withBuffer(m, (p, n) => call('slm_load_model', p, n), (s) => s === 0);
    }
    check(status);
    const info = call('slm_model_info');
    if (info !== 0) throw new Fatal(`slm_model_info failed with ${info} right after a successful load`);
    return { summary: JSON.parse(text(output(), 'the model summary')) };
  },

  tokenize(r) {
    const t = bytesFromHex(r.text_hex, 'text_hex');
    if (typeof r.add_bos !== 'boolean') throw new Fatal('add_bos must be a bool');
    check(withBuffer(t, (p, n) => call('slm_tokenize', p, n, r.add_bos ? 1 : 0)));
    return { ids: u32Array(output(), 'tokenize output') };
  },

  detokenize(r) {
    check(withBuffer(idsToBytes(r.ids), (p, n) => call('slm_detokenize', p, n)));
    return { bytes_hex: result().toString('hex') };
  },

  result() {
    return { bytes_hex: result().toString('hex') };
  },

  quantize(r) {
    const d = dtypeCode(r.dtype);
    check(withBuffer(valuesToBytes(r.values), (p, n) => call('slm_quantize', d, p, n)));
    return { bytes_hex: output().toString('hex') };
  },

  dequantize(r) {
    const d = dtypeCode(r.dtype);
    check(withBuffer(bytesFromHex(r.bytes_hex, 'bytes_hex'), (p, n) => call('slm_dequantize', d, p, n)));
    return { values: f32BitsArray(output(), 'dequantize output') };
  },

  f32_to_f16(r) {
    check(call('slm_f32_to_f16', bits(r.value, 8, 'value')));
    const o = output();
    if (o.length !== 2) throw new Fatal(`slm_f32_to_f16 output is ${o.length} bytes, not 2`);
    return { value: hex(o.readUInt16LE(0), 4) };
  },

  f16_to_f32(r) {
    check(call('slm_f16_to_f32', bits(r.value, 4, 'value')));
    const o = output();
    if (o.length !== 4) throw new Fatal(`slm_f16_to_f32 output is ${o.length} bytes, not 4`);
    return { value: hex(o.readUInt32LE(0), 8) };
  },

  utf8_lossy(r) {
    check(withBuffer(bytesFromHex(r.bytes_hex, 'bytes_hex'), (p, n) => call('slm_utf8_lossy', p, n)));
    return { text: text(output(), 'utf8_lossy output') };
  },

  set_sampling(r) {
    const seed = bits(r.seed, 16, 'seed');
    // f32 arguments travel as JS numbers: a signaling NaN's payload is
    // quieted on the way ([PROTO-ABI-07]); every NaN is rejected anyway.
    check(
      call(
        'slm_set_sampling',
        f32FromBits(bits(r.temperature, 8, 'temperature')),
        u32(r.top_k, 'top_k'),
        f32FromBits(bits(r.top_p, 8, 'top_p')),
        Number(seed & 0xffffffffn),
        Number(seed >> 32n),
      ),
    );
    return {};
  },

  generate(r) {
    const n = u32(r.max_tokens, 'max_tokens');
    check(withBuffer(bytesFromHex(r.prompt_hex, 'prompt_hex'), (p, len) => call('slm_generate', p, len, n)));
    const ids = u32Array(output(), 'generate output');
    const stop = STOP_REASONS[call('slm_stop_reason')];
    if (!stop) throw new Fatal('slm_stop_reason is none after a successful slm_generate');
    return { generation: { ids, bytes_hex: result().toString('hex'), stop_reason: stop } };
  },

  forward(r) {
    if (typeof r.all_positions !== 'boolean') throw new Fatal('all_positions must be a bool');
    let logits;
    // The output is read before the free ends its validity (abi.md §10).
    const status = withBuffer(idsToBytes(r.ids), (p, n) => {
      const st = call('slm_forward', p, n, r.all_positions ? 1 : 0);
      if (st === 0) logits = f32BitsArray(output(), 'forward output');
      return st;
    });
    check(status);
    return { logits };
  },

  generate_next_token() {
    check(call('slm_generate_next_token'));
    const o = output();
    if (o.length !== 4) throw new Fatal(`slm_generate_next_token output is ${o.length} bytes, not 4`);
    return { token: { id: o.readUInt32LE(0), bytes_hex: result().toString('hex') } };
  },

  reset() {
    check(call('slm_reset'));
    return {};
  },

  free_model() {
    check(call('slm_free_model'));
    return {};
  },

  logits() {
    check(call('slm_logits'));
    return { logits: f32BitsArray(output(), 'logits output') };
  },

  diagnostics() {
    check(call('slm_diagnostics'));
    const d = readMemory(call('slm_diagnostics_ptr'), call('slm_diagnostics_len'), 'diagnostics buffer');
    return { diagnostics: text(d, 'the diagnostics payload') };
  },

  tensor_bytes(r) {
    check(call('slm_tensor_bytes', u32(r.role, 'role'), u32(r.layer, 'layer')));
    return { bytes_hex: output().toString('hex') };
  },

  // adapters.md §5: the package's buffer stays ours and is freed afterwards.
  validate_adapter(r) {
    check(withBuffer(bytesFromHex(r.adapter_hex, 'adapter_hex'), (p, n) => call('slm_validate_adapter', p, n)));
    return {};
  },

  apply_adapter(r) {
    check(withBuffer(bytesFromHex(r.adapter_hex, 'adapter_hex'), (p, n) => call('slm_apply_adapter', p, n)));
    return {};
  },

  // Raw ABI steps (harness-protocol.md §6). `invoke` reports the raw return
  // value, never an error reply; a failed `alloc` (0 returned) is an error
  // reply with slm_last_error() (vectors.md §3.2).

  alloc(r) {
    if (typeof r.buffer !== 'string') throw new Fatal('buffer must be a string');
    const len = bits(r.len, 16, 'len');
    if (len > 0xffffffffn) throw new Fatal(`alloc length ${len} does not fit a wasm32 size_t`);
    const p = call('slm_alloc', Number(len));
    names.set(r.buffer, p);
    if (p === 0) {
      const code = call('slm_last_error');
      if (code === 0) throw new Fatal('slm_alloc returned 0 but slm_last_error() is 0 ([ABI-ERR-02])');
      throw new CallError(code);
    }
    return { value: hex(1, 16) };
  },

  write(r) {
    const bytes = bytesFromHex(r.bytes_hex, 'bytes_hex');
    const at = BigInt(address(r.buffer)) + bits(r.offset, 16, 'offset'); // no wrapping
    const mem = memory();
    if (at + BigInt(bytes.length) > BigInt(mem.length)) {
      throw new Fatal(`write of ${bytes.length} bytes at ${at} lies outside the instance's memory`);
    }
    mem.set(bytes, Number(at));
    return {};
  },

  invoke(r) {
    if (typeof r.export !== 'string' || !r.export.startsWith('slm_')) {
      throw new Fatal(`export ${JSON.stringify(r.export)} is not an ABI export`);
    }
    const f = exportFn(r.export);
    if (!Array.isArray(r.args) || r.args.length !== f.length) {
      throw new Fatal(`${r.export} takes ${f.length} arguments`);
    }
    const floats = F32_PARAMS[r.export] ?? [];
    const args = r.args.map((a, i) => {
      let v;
      if (a && typeof a === 'object' && 'value' in a) v = low32(bits(a.value, 16, 'value'));
      else if (a && typeof a === 'object' && 'buffer' in a) {
        v = low32(BigInt(address(a.buffer)) + bits(a.add, 16, 'add'));
      } else throw new Fatal(`argument ${i} of ${r.export} is neither {value} nor {buffer, add}`);
      return floats.includes(i) ? f32FromBits(v) : v;
    });
    const ret = f(...args);
    const value = typeof ret === 'number' ? BigInt(ret >>> 0) : 0n;
    return { value: hex(value, 16) };
  },

  read(r) {
    if (!['result', 'output', 'diagnostics'].includes(r.region)) {
      throw new Fatal(`unknown region ${JSON.stringify(r.region)}`);
    }
    const bytes = readMemory(call(`slm_${r.region}_ptr`), call(`slm_${r.region}_len`), `${r.region} buffer`);
    return { bytes_hex: bytes.toString('hex') };
  },
};

// ---------------------------------------------------------------------------
// Requests and replies.

function handle(req) {
  const seq = req.seq;
  switch (req.type) {
    case 'hello':
      if (req.protocol !== PROTOCOL || req.version !== PROTOCOL_VERSION) {
        writeSync(
          2,
          `node testee: offered ${req.protocol} version ${req.version}; answering with the version it speaks\n`,
        );
      }
      return {
        seq,
        type: 'hello',
        protocol: PROTOCOL,
        version: PROTOCOL_VERSION,
        implementation: {
          name: NAME,
          version: `${wasmPath.split(/[\\/]/).pop()} sha256:${digest} abi ${abiVersion} on node ${process.version}`,
          profiles: PROFILES,
        },
      };
    case 'new_session':
      newSession();
      return { seq, type: 'ok', output: {} };
    case 'call': {
      const f = Object.hasOwn(calls, req.call) ? calls[req.call] : null;
      if (!f) return { seq, type: 'skipped', reason: `call ${JSON.stringify(req.call)} is not implemented` };
      if (x === null) throw new Fatal('a call arrived before new_session');
      try {
        return { seq, type: 'ok', output: f(req) };
      } catch (e) {
        if (e instanceof CallError) return { seq, type: 'error', code: e.code };
        throw e;
      }
    }
    default:
      return { seq, type: 'skipped', reason: `request type ${JSON.stringify(req.type)} is not implemented` };
  }
}

function send(frame) {
  const b = Buffer.from(JSON.stringify(frame) + '\n', 'utf8');
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(1, b, off, b.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function onLine(line) {
  let req;
  try {
    req = JSON.parse(line.toString('utf8'));
  } catch (e) {
    die(`malformed request (${e.message}): ${line.subarray(0, 200).toString('utf8')}`);
  }
  if (req === null || typeof req !== 'object' || !Number.isSafeInteger(req.seq)) {
    die(`malformed request: ${line.subarray(0, 200).toString('utf8')}`);
  }
  let reply;
  try {
    reply = handle(req);
  } catch (e) {
    const what = req.type === 'call' ? `call ${req.call} (seq ${req.seq})` : `${req.type} (seq ${req.seq})`;
    if (e instanceof WebAssembly.RuntimeError) die(`the module trapped in ${what}: ${e.stack}`);
    if (e instanceof Fatal) die(`${what}: ${e.message}`);
    die(`internal error in ${what}: ${e?.stack ?? e}`);
  }
  send(reply);
}

// Read stdin synchronously, split at line feeds; requests are handled one at
// a time, in order ([PROTO-SEQ-01]). Exit at end of input ([PROTO-LIFE-01]).
const chunk = Buffer.alloc(1 << 20);
let pending = [];
for (;;) {
  let n;
  try {
    n = readSync(0, chunk, 0, chunk.length, null);
  } catch (e) {
    if (e.code === 'EAGAIN') {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      continue;
    }
    if (e.code === 'EOF') break;
    throw e;
  }
  if (n === 0) break;
  let data = chunk.subarray(0, n);
  let nl;
  while ((nl = data.indexOf(0x0a)) !== -1) {
    pending.push(data.subarray(0, nl));
    const line = Buffer.concat(pending);
    pending = [];
    onLine(line);
    data = data.subarray(nl + 1);
  }
  if (data.length > 0) pending.push(Buffer.from(data)); // copy: `chunk` is reused
}
process.exit(0);
