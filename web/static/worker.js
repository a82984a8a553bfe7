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
//
// Streaming load (spec/abi.md §4.1, issue 18): 'loadStream' fetches the model
// in the worker and hands the body to the runtime chunk by chunk through one
// 1 MiB host buffer (slm_load_begin / slm_load_chunk), hashing the same bytes
// with the incremental SHA-256 of sha256.js; a digest or length that is not
// the manifest's → slm_load_abort() (nothing of the file ever runs), else
// slm_load_end(). The model is never whole in JavaScript, and the runtime
// copies each chunk once into the model's final buffer [ABI-STREAM-06].
// 'load' (a whole buffer, slm_load_model) stays for local files and the
// registry assembly.
//
// Compare (spec/abi.md §4.2, ABI 2): 'compareLoad' makes one more instance
// holding two models (slm_load_end_model, each streamed and verified), one
// session on each (slm_session_create(m, 0)), and applies the adapter stack
// with the second session current; 'compareGenerate' selects a session
// (slm_session_use) and runs slm_generate on it. Nothing is reloaded between
// generations.
'use strict';

importScripts('sha256.js');

const CHUNK_BYTES = 1048576; // the one host buffer a streamed load reuses (the file's size when that is smaller)
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

function callIn(e, name, ...args) {
  runtimeCalls[name] = (runtimeCalls[name] || 0) + 1;
  return e[name](...args) >>> 0;
}
const call = (name, ...args) => callIn(x, name, ...args);

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

/** The body of `url`: from the Cache API when `cacheKey` names a hit, else from the network. */
async function openSource(url, cacheKey, cacheName) {
  if (cacheKey && self.caches) {
    const hit = await (await caches.open(cacheName)).match(cacheKey);
    if (hit) return { response: hit, fromCache: true };
  }
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { response, fromCache: false };
}

/**
 * Streams `body` into instance `e`'s pending load (slm_load_begin already
 * succeeded) through one host buffer of CHUNK_BYTES, hashing as it goes.
 * Returns { status, received, digest } without ending the load.
 */
async function streamBody(e, body, total, onProgress, byob) {
  const size = Math.min(CHUNK_BYTES, total); // a small model needs no 1 MiB buffer (total ≥ 1: slm_load_begin refused 0)
  const p = callIn(e, 'slm_alloc', size);
  if (p === 0) return { status: e.slm_last_error() >>> 0 };
  const hash = new Sha256();
  // A BYOB reader fills one reused 1 MiB buffer: no garbage chunk per read
  // (the default reader's chunks add up to the file's size until the next
  // GC). Where the body is not a byte stream, the default reader.
  let reader;
  let spare = null;
  // Cache API bodies use the default reader: BYOB reads of them hung in
  // Chromium 156 after some twenty cached loads (soak, 2026-12-05; not
  // understood).
  try {
    if (!byob) throw new Error('default reader');
    reader = body.getReader({ mode: 'byob' });
    spare = new ArrayBuffer(size);
  } catch {
    reader = body.getReader();
  }
  let received = 0;
  let status = 0;
  try {
    for (;;) {
      const { value, done } = spare ? await reader.read(new Uint8Array(spare, 0, size)) : await reader.read();
      if (done) break;
      if (spare) spare = value.buffer; // the same memory, transferred back
      hash.update(value);
      for (let at = 0; at < value.length && status === 0; at += size) {
        const piece = value.subarray(at, Math.min(value.length, at + size));
        new Uint8Array(e.memory.buffer, p, piece.length).set(piece); // re-read the buffer: memory may grow
        status = callIn(e, 'slm_load_chunk', p, piece.length); // LoadOverrun past the announced length [ABI-STREAM-02]
        received += piece.length;
      }
      if (status !== 0) { await reader.cancel(); break; }
      onProgress(received, total);
    }
  } finally {
    callIn(e, 'slm_free', p);
  }
  return { status, received, digest: status === 0 ? hash.hex() : null };
}

/**
 * One verified streamed load into instance `e`: begin, chunks, then the
 * digest and length against `want` ({ url, sha256, bytes }) — a mismatch
 * aborts — then `end` ('slm_load_end' or 'slm_load_end_model').
 * Returns { status, digest, received, fromCache, mismatch }.
 */
async function streamVerified(e, want, end, progressOf, cache) {
  let { response, fromCache } = await openSource(want.url, cache && cache.key, cache && cache.name);
  for (;;) {
    let status = callIn(e, 'slm_load_begin', want.bytes); // ModelTooLarge, Truncated, OutOfMemory [ABI-STREAM-01]
    if (status !== 0) return { status, fromCache };
    let s;
    let body = response.body;
    let stored = null;
    if (!fromCache && cache && cache.key) {
      // Keep verified models: the second branch of the body goes to the cache
      // as it arrives (never whole in JavaScript); deleted below if the digest fails.
      const [a, b] = body.tee();
      body = a;
      stored = caches.open(cache.name).then((c) => c.put(cache.key, new Response(b, { headers: { 'Content-Type': 'application/octet-stream' } })));
    }
    try {
      s = await streamBody(e, body, want.bytes, progressOf(fromCache), !fromCache);
    } catch (err) {
      callIn(e, 'slm_load_abort');
      throw err;
    }
    if (stored) await stored.catch(() => {});
    if (s.status !== 0 || s.digest !== want.sha256 || s.received !== want.bytes) {
      callIn(e, 'slm_load_abort'); // [ABI-STREAM-04]: nothing of these bytes is ever run
      if (cache && cache.key) await (await caches.open(cache.name)).delete(cache.key);
      if (fromCache && s.status === 0) {
        // a cache entry that no longer matches: deleted, downloaded again
        ({ response, fromCache } = await openSource(want.url, null, null));
        continue;
      }
      return { status: s.status, digest: s.digest, received: s.received, fromCache, mismatch: s.status === 0 };
    }
    status = callIn(e, end);
    return { status, digest: s.digest, received: s.received, fromCache };
  }
}

function summaryOf(e) {
  if (callIn(e, 'slm_model_info') !== 0) return null;
  return JSON.parse(utf8.decode(new Uint8Array(e.memory.buffer, e.slm_output_ptr() >>> 0, e.slm_output_len() >>> 0).slice()));
}

/** 'loadStream': a manifest model streamed into a fresh instance; on any failure the previous instance and model stay. */
async function loadStream(id, msg) {
  const previous = x;
  const e = await freshInstance();
  const progressOf = (fromCache) => (done, total) => postMessage({ type: 'progress', id, done, total, fromCache });
  let r;
  try {
    r = await streamVerified(e, msg, 'slm_load_end', progressOf, msg.cacheKey ? { key: msg.cacheKey, name: msg.cacheName } : null);
  } catch (err) {
    return reply(id, 'loadStream', -1, { message: String(err && err.message || err) });
  }
  if (r.mismatch || r.status !== 0) {
    // The fresh instance is dropped: the previous model (or none) stays, usable.
    return reply(id, 'loadStream', r.mismatch ? -2 : r.status, { digest: r.digest, received: r.received, fromCache: r.fromCache, code: r.status });
  }
  x = e;
  const summary = summaryOf(x);
  eosId = summary ? Number(summary.eos_id) : -1;
  contextLength = summary ? Number(summary.context_length) : 0;
  reply(id, 'loadStream', 0, { eosId, contextLength, summary, digest: r.digest, fromCache: r.fromCache });
}

// The compare instance: two models, one session each, in one instance.
let cx = null;
let compareSessions = [];
let compareEos = [];

function compareReply(id, op, status, extra = {}) {
  let diag = null;
  if (cx) {
    cx.slm_diagnostics();
    diag = JSON.parse(utf8.decode(new Uint8Array(cx.memory.buffer, cx.slm_diagnostics_ptr() >>> 0, cx.slm_diagnostics_len() >>> 0).slice()));
  }
  postMessage({ type: 'reply', id, op, status, compareDiag: diag, compareMemoryBytes: cx ? cx.memory.buffer.byteLength : 0, runtimeCalls: { ...runtimeCalls }, ...extra });
}

/** 'compareLoad' { models: [{ url, sha256, bytes, adapters: [{ url, sha256, bytes }] }] } */
async function compareLoad(id, msg) {
  const e = await freshInstance();
  if ((e.slm_abi_version() >>> 0) < 2) return reply(id, 'compareLoad', -1, { message: 'the runtime has no ABI 2 handles' });
  const sessions = [];
  const eos = [];
  const progressOf = (k) => () => (done, total) => postMessage({ type: 'progress', id, done, total, model: k });
  try {
    for (let k = 0; k < msg.models.length; k++) {
      const m = msg.models[k];
      const r = await streamVerified(e, m, 'slm_load_end_model', progressOf(k), null);
      if (r.mismatch) return reply(id, 'compareLoad', -2, { model: k, digest: r.digest });
      if (r.status !== 0) return reply(id, 'compareLoad', r.status, { model: k, step: 'load' });
      const model = e.slm_last_handle() >>> 0;
      let status = callIn(e, 'slm_session_create', model, 0); // kv_dtype 0: f32
      if (status !== 0) return reply(id, 'compareLoad', status, { model: k, step: 'session' });
      const session = e.slm_last_handle() >>> 0;
      status = callIn(e, 'slm_session_use', session);
      if (status !== 0) return reply(id, 'compareLoad', status, { model: k, step: 'use' });
      for (const a of m.adapters || []) {
        const response = await fetch(a.url, { cache: 'no-store' });
        const bytes = new Uint8Array(await response.arrayBuffer()); // ≤ 1 MiB (ADAPTER_BYTE_BUDGET)
        const digest = new Sha256().update(bytes).hex();
        if (digest !== a.sha256 || bytes.length !== a.bytes) return reply(id, 'compareLoad', -2, { model: k, adapter: a.url, digest });
        const p = callIn(e, 'slm_alloc', bytes.length);
        if (p === 0) return reply(id, 'compareLoad', e.slm_last_error() >>> 0, { model: k, step: 'adapter' });
        new Uint8Array(e.memory.buffer, p, bytes.length).set(bytes);
        status = callIn(e, 'slm_apply_adapter', p, bytes.length); // this model only [ABI-HDL-09]
        callIn(e, 'slm_free', p);
        if (status !== 0) return reply(id, 'compareLoad', status, { model: k, step: 'adapter' });
      }
      const summary = summaryOf(e);
      sessions.push(session);
      eos.push(summary ? Number(summary.eos_id) : -1);
    }
  } catch (err) {
    return reply(id, 'compareLoad', -1, { message: String(err && err.message || err) });
  }
  cx = e;
  compareSessions = sessions;
  compareEos = eos;
  compareReply(id, 'compareLoad', 0, { sessions });
}

/** 'compareGenerate' { which, prompt, sampling, maxTokens }: slm_generate on that model's session. */
function compareGenerate(id, msg) {
  if (!cx || !(msg.which in compareSessions)) return compareReply(id, 'compareGenerate', -1, { message: 'no compare models' });
  let status = callIn(cx, 'slm_session_use', compareSessions[msg.which]);
  if (status === 0) status = callIn(cx, 'slm_set_sampling', msg.sampling.temperature, msg.sampling.topK >>> 0, msg.sampling.topP, msg.sampling.seedLo >>> 0, msg.sampling.seedHi >>> 0);
  if (status !== 0) return compareReply(id, 'compareGenerate', status);
  const prompt = new TextEncoder().encode(msg.prompt);
  const p = prompt.length ? callIn(cx, 'slm_alloc', prompt.length) : 0;
  if (prompt.length && p === 0) return compareReply(id, 'compareGenerate', cx.slm_last_error() >>> 0);
  if (p) new Uint8Array(cx.memory.buffer, p, prompt.length).set(prompt);
  status = callIn(cx, 'slm_generate', p, prompt.length, msg.maxTokens);
  const bytes = status === 0 ? new Uint8Array(cx.memory.buffer, cx.slm_result_ptr() >>> 0, cx.slm_result_len() >>> 0).slice() : null;
  const stop = status === 0 ? STOP_REASONS[cx.slm_stop_reason() >>> 0] : null;
  compareReply(id, 'compareGenerate', status, { which: msg.which, bytes, stop, session: compareSessions[msg.which] });
  if (p) callIn(cx, 'slm_free', p);
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
    case 'loadStream': return loadStream(id, msg);
    case 'compareLoad': return compareLoad(id, msg);
    case 'compareGenerate': return compareGenerate(id, msg);
    case 'compareUnload': cx = null; compareSessions = []; compareEos = []; return compareReply(id, 'compareUnload', 0);
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
