// The runtime in a Web Worker: one WebAssembly instance = one session
// (spec/abi.md [ABI-TYPE-02]), driven through the raw exports only.
//
// Messages in:  { id, op, ... } with op one of load, generate, step, stop,
//               reset, unload, diagnostics, validateAdapter, applyAdapter.
// Messages out: { type: 'ready' | 'reply' | 'token' | 'prompt', ... }; every
//               reply carries the diagnostics JSON rendered right after the
//               call (before any slm_free, which would reset the last error,
//               [ABI-ERR-02]), the WASM memory size, and the count of
//               runtime calls (the tests assert that a rejected download
//               never reaches the runtime).
//
// Streaming (spec/generation.md): slm_generate(prompt, 0) processes the
// prompt and generates nothing; then one slm_generate_next_token per token,
// which continues the same context with the same generator state, so the
// tokens equal slm_generate(prompt, n)'s [GEN-STEP-01]. The worker applies
// generate's stop rules itself: it stops after the EOS token (eos), when the
// context is full (context_full), after max_tokens, or when asked to stop.
// While streaming, a token message carries the diagnostics at most every
// LIVE_DIAG_MS (and with the first token), so the page's live tokens/s is
// the runtime's own generation_tokens_per_s, the figure of the diagnostics.
//
// One instance per model: the module is compiled once, and every successful
// load and every unload gets a fresh instance. The diagnostics are those of
// the instance (spec/diagnostics.md §2: peak_scratch_bytes counts "since the instance
// began"), so nothing carries over from the previous model, and the memory
// of a large model is given back (a WebAssembly memory never shrinks). A load
// is tried in its fresh instance; when the runtime refuses the file, that
// instance is dropped and the previous model stays loaded ([SLM1-LOAD-02]).
'use strict';

const MODEL_BYTE_BUDGET = 33554432; // spec/limits.md
const ADAPTER_BYTE_BUDGET = 1048576; // spec/limits.md: one package
const STOP_REASONS = { 1: 'max_tokens', 2: 'eos', 3: 'context_full' };

const LIVE_DIAG_MS = 200;

let x = null; // the instance's exports
let runtimeModule = null; // the compiled module; instances are made from it
let runtimeImports = null;
let eosId = -1;
let contextLength = 0;
let generating = false;
let stopRequested = false;
const runtimeCalls = {}; // export name -> calls (session calls only)

function call(name, ...args) {
  runtimeCalls[name] = (runtimeCalls[name] || 0) + 1;
  return x[name](...args) >>> 0;
}

/** Bytes of instance memory; re-read the buffer after every call (memory.grow detaches it). */
function read(ptr, len) {
  if (len === 0) return new Uint8Array(0);
  return new Uint8Array(x.memory.buffer, ptr, len).slice();
}

const utf8 = new TextDecoder('utf-8');
// spec/diagnostics.md v2 (spec 0.4.0): adapters gained last_delta_elements and last_survived_elements.
const DIAGNOSTICS_VERSION = 2;

function diagnostics() {
  x.slm_diagnostics(); // a query: changes neither state nor last error ([DIAG-FIELD-03])
  const text = utf8.decode(read(x.slm_diagnostics_ptr() >>> 0, x.slm_diagnostics_len() >>> 0));
  const d = JSON.parse(text);
  // [DIAG-JSON-01]: a consumer rejects schema ids and versions it does not know.
  if (d.schema !== 'tinyrustlm-diagnostics' || d.version !== DIAGNOSTICS_VERSION) {
    throw new Error(`diagnostics ${d.schema} version ${d.version}; this page reads tinyrustlm-diagnostics version ${DIAGNOSTICS_VERSION}`);
  }
  return d;
}

function snapshot() {
  return {
    diag: x ? diagnostics() : null,
    memoryBytes: x ? x.memory.buffer.byteLength : 0,
    runtimeCalls: { ...runtimeCalls },
  };
}

/** "Put b" of abi.md §10: runs f(ptr, len) with `bytes` in a host buffer; frees it unless `keep(status)`. */
function withBuffer(bytes, f, keep = () => false) {
  if (bytes.length === 0) return { status: f(0, 0) };
  const p = call('slm_alloc', bytes.length);
  if (p === 0) return { status: x.slm_last_error() >>> 0 };
  new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
  const status = f(p, bytes.length);
  const after = snapshot(); // before the free resets the last error
  if (!keep(status)) call('slm_free', p);
  return { status, after };
}

function reply(id, op, status, extra = {}) {
  postMessage({ type: 'reply', id, op, status, ...extra, ...snapshot() });
}

function failed(id, op, status, after) {
  postMessage({ type: 'reply', id, op, status, ...snapshot(), ...(after ? { diag: after.diag } : {}) });
}

/** A macrotask boundary without setTimeout's clamping: lets a 'stop' message in between tokens. */
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () => new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(null); });

/** A fresh instance of the compiled runtime (its own memory and session). */
async function freshInstance() {
  const instance = await WebAssembly.instantiate(runtimeModule, runtimeImports);
  const abi = instance.exports.slm_abi_version() >>> 0;
  // ABI 2 keeps every version 1 export on its default session (abi.md §4.2); the page uses only those.
  if (abi !== 1 && abi !== 2) throw new Error(`the module has ABI version ${abi}; this page speaks ABI versions 1 and 2`);
  return instance.exports;
}

async function load(id, bytes) {
  const previous = x;
  x = await freshInstance();
  let status;
  if (bytes.length > MODEL_BYTE_BUDGET) {
    status = call('slm_load_model', 0, bytes.length); // ModelTooLarge from the length alone [ABI-LOAD-01]
  } else {
    // On success the buffer becomes the model: not freed [ABI-LOAD-02].
    ({ status } = withBuffer(bytes, (p, n) => call('slm_load_model', p, n), (s) => s === 0));
  }
  if (status !== 0) {
    // The previous instance, and its model, stay; the page records the
    // refusal's code as the last error.
    x = previous;
    return reply(id, 'load', status);
  }
  const info = call('slm_model_info');
  const summary = info === 0 ? JSON.parse(utf8.decode(read(x.slm_output_ptr() >>> 0, x.slm_output_len() >>> 0))) : null;
  eosId = summary ? Number(summary.eos_id) : -1;
  contextLength = summary ? Number(summary.context_length) : 0;
  reply(id, 'load', 0, { eosId, contextLength, summary });
}

function setSampling(s) {
  return call('slm_set_sampling', s.temperature, s.topK >>> 0, s.topP, s.seedLo >>> 0, s.seedHi >>> 0);
}

/** One step: the token id (output, 4 bytes LE) and its bytes (result). */
function stepToken() {
  const status = call('slm_generate_next_token');
  if (status !== 0) return { status };
  const out = read(x.slm_output_ptr() >>> 0, x.slm_output_len() >>> 0);
  const tokenId = new DataView(out.buffer).getUint32(0, true);
  return { status, tokenId, bytes: read(x.slm_result_ptr() >>> 0, x.slm_result_len() >>> 0) };
}

async function generate(id, msg) {
  const sampling = setSampling(msg.sampling);
  if (sampling !== 0) return failed(id, 'sampling', sampling);
  const prompt = new TextEncoder().encode(msg.prompt);
  const { status, after } = withBuffer(prompt, (p, n) => call('slm_generate', p, n, 0));
  if (status !== 0) return failed(id, 'generate', status, after);
  let pos = after ? after.diag.context.kv_length : diagnostics().context.kv_length;
  postMessage({ type: 'prompt', id, promptTokens: pos });
  generating = true;
  stopRequested = false;
  let stop = 'max_tokens';
  let produced = 0;
  let lastDiag = -Infinity;
  try {
    while (produced < msg.maxTokens) {
      await yieldNow();
      if (stopRequested) { stop = 'stopped'; break; }
      if (pos >= contextLength) { stop = 'context_full'; break; }
      const t = stepToken();
      if (t.status !== 0) return failed(id, 'generate', t.status);
      pos += 1;
      produced += 1;
      const now = performance.now();
      const live = now - lastDiag >= LIVE_DIAG_MS ? { diag: diagnostics() } : {};
      if (live.diag) lastDiag = now;
      postMessage({ type: 'token', id, tokenId: t.tokenId, bytes: t.bytes, ...live }, [t.bytes.buffer]);
      if (t.tokenId === eosId) { stop = 'eos'; break; }
    }
  } finally {
    generating = false;
  }
  reply(id, 'generate', 0, { stop, produced });
}

/**
 * validate_adapter / apply_adapter (spec/adapters.md §5): the package in a
 * host buffer that is freed after the call (the runtime keeps nothing of it,
 * [ADP-ABI-01]). A package over ADAPTER_BYTE_BUDGET is passed with a null
 * pointer: the length alone gives AdapterTooLarge, before the pointer.
 */
function adapterCall(id, op, exportName, bytes) {
  let status;
  let after;
  if (bytes.length > ADAPTER_BYTE_BUDGET) status = call(exportName, 0, bytes.length);
  else ({ status, after } = withBuffer(bytes, (p, n) => call(exportName, p, n)));
  if (status !== 0) return failed(id, op, status, after);
  reply(id, op, 0);
}

function step(id) {
  const t = stepToken();
  if (t.status !== 0) return failed(id, 'step', t.status);
  reply(id, 'step', 0, { tokenId: t.tokenId, bytes: t.bytes, eos: t.tokenId === eosId });
}

onmessage = async (e) => {
  const msg = e.data;
  const id = msg.id;
  if (!x) return postMessage({ type: 'reply', id, op: msg.op, status: -1, message: 'runtime not ready' });
  if (msg.op === 'stop') { stopRequested = true; return; }
  if (generating) return postMessage({ type: 'reply', id, op: msg.op, status: -1, message: 'busy generating' });
  switch (msg.op) {
    case 'load': return load(id, new Uint8Array(msg.bytes));
    case 'generate': return generate(id, msg);
    case 'step': return step(id);
    case 'reset': call('slm_reset'); return reply(id, 'reset', 0);
    case 'unload':
      call('slm_free_model');
      eosId = -1;
      contextLength = 0;
      x = await freshInstance(); // nothing of the unloaded model's session stays in the diagnostics
      return reply(id, 'unload', 0);
    case 'diagnostics': return reply(id, 'diagnostics', 0);
    case 'validateAdapter': return adapterCall(id, 'validateAdapter', 'slm_validate_adapter', new Uint8Array(msg.bytes));
    case 'applyAdapter': return adapterCall(id, 'applyAdapter', 'slm_apply_adapter', new Uint8Array(msg.bytes));
    default: return postMessage({ type: 'reply', id, op: msg.op, status: -1, message: `unknown op ${msg.op}` });
  }
};

// Two builds of the runtime (web/serve builds both): tinyrustlm-simd128.wasm,
// compiled with WebAssembly SIMD (simd128) kernels, and the baseline
// tinyrustlm.wasm. A module cannot detect SIMD from inside (an engine without
// it rejects the whole module), so the worker asks the engine first: this
// probe is a minimal module whose one function uses v128 instructions
// (i32.const 0; i8x16.splat; i8x16.popcnt), valid only where simd128 is.
// `worker.js?wasm=baseline|simd128` forces one build (web/tests/bench.mjs).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
const BUILDS = { simd128: 'tinyrustlm-simd128.wasm', baseline: 'tinyrustlm.wasm' };

async function compileRuntime() {
  const forced = new URL(self.location.href).searchParams.get('wasm');
  const build = BUILDS[forced] ? forced : WebAssembly.validate(SIMD_PROBE) ? 'simd128' : 'baseline';
  const response = await fetch(BUILDS[build]);
  if (build === 'simd128' && !response.ok && !forced) {
    // a site built without the SIMD module: the baseline one
    return { module: await WebAssembly.compileStreaming(fetch(BUILDS.baseline)), build: 'baseline' };
  }
  return { module: await WebAssembly.compileStreaming(response), build };
}

(async () => {
  try {
    runtimeImports = { env: { slm_host_now_ms: () => performance.now() } }; // [ABI-TYPE-03]
    const { module, build } = await compileRuntime();
    runtimeModule = module;
    x = await freshInstance();
    postMessage({ type: 'ready', build, ...snapshot() });
  } catch (err) {
    postMessage({ type: 'fatal', message: String(err && err.message || err) });
  }
})();
