// The page: model selection, streamed download with progress (the worker
// verifies SHA-256 as the bytes reach the runtime, spec/abi.md §4.1), an
// optional cache of verified models, and the controls that drive the runtime in worker.js.
// No framework, no network beyond this origin (the server's CSP).
'use strict';

const CACHE_NAME = 'tinyrustlm-verified-models-v1';
// spec/limits.md: the limits the page names in its messages (the runtime enforces them).
const MAX_CONTEXT = 8192; // MAX_CONTEXT_LENGTH: more tokens can never be generated
const MAX_PROMPT_BYTES = 65536;
const MAX_SAMPLING_CANDIDATES = 1024;
const MANIFEST_VERSION = 2; // web/README.md "The manifest"
const LOCAL = 'local-file'; // the selector's value while a local file is loaded
const $ = (id) => document.getElementById(id);

const ui = {
  status: $('status'), select: $('model-select'), load: $('load-model'), unload: $('unload'),
  description: $('model-description'), file: $('file-input'), drop: $('drop-zone'),
  progress: $('download-progress'), progressText: $('download-text'), useCache: $('use-cache'),
  clearCache: $('clear-cache'), cacheState: $('cache-state'), modelState: $('model-state'),
  prompt: $('prompt'), maxTokens: $('max-tokens'), temperature: $('temperature'), topK: $('top-k'),
  topP: $('top-p'), seed: $('seed'), example: $('use-example'), generate: $('generate'), step: $('step'),
  stop: $('stop'), reset: $('reset'), clear: $('clear'), configError: $('config-error'),
  contextWarning: $('context-warning'), transcript: $('transcript'),
  toggleDiag: $('toggle-diagnostics'), diagnostics: $('diagnostics'), diagJson: $('diag-json'),
  live: $('live'), liveTokens: $('live-tokens'), liveTps: $('live-tps'), suggestions: $('suggestions'),
  trainedIntro: $('trained-intro'), noTrained: $('no-trained'),
};

/** What the page knows; tests read it through window.tinyrustlmDemo. */
const state = {
  ready: false,
  busy: true,
  generating: false,
  manifest: null,
  errors: {},
  model: null, // { name, source: 'manifest' | 'local', entry?, sha256 }
  diag: null,
  memoryBytes: 0,
  runtimeCalls: {},
  lastStop: null,
  lastError: null, // { op, code, name }
  run: null, // the transcript span receiving tokens, and its decoder
  liveTokens: 0, // tokens generated in the current context (the diagnostics' generated_tokens)
  blocked: null, // why generation is disabled although a model may be loaded (rejected assembly evidence), or null
};

// ---------------------------------------------------------------------------
// The worker and its request/reply protocol.

// ?wasm=baseline|simd128 on the page picks the runtime build (worker.js); default: detected
const worker = new Worker('worker.js' + location.search);
let nextId = 1;
const pending = new Map();

function request(op, payload = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, op, ...payload }, transfer);
  });
}

worker.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'ready') {
    absorb(m);
    state.ready = true;
    setStatus('Runtime ready. Choose a model.');
    setBusy(false);
    if (typeof compareControls === 'function') compareControls(); // compare.js
  } else if (m.type === 'fatal') {
    setStatus(`The runtime could not start: ${m.message}`);
  } else if (m.type === 'token') {
    appendToken(m.bytes);
    // The worker sends the diagnostics with some tokens; they are the authority.
    if (m.diag) absorb(m);
    else state.liveTokens += 1;
    renderLive();
  } else if (m.type === 'progress') {
    progress(m.done, m.total);
    if (m.fromCache) ui.progressText.textContent += ' (from the cache, verified as it streams)';
    if (m.model !== undefined && typeof compareProgress === 'function') compareProgress(m);
  } else if (m.type === 'prompt') {
    state.liveTokens = 0;
    renderLive();
    ui.liveTps.textContent = '—'; // until the first token brings this run's diagnostics
    setStatus(`Prompt processed (${m.promptTokens} tokens); generating… (Stop ends it early)`);
  } else if (m.type === 'reply') {
    absorb(m);
    const resolve = pending.get(m.id);
    pending.delete(m.id);
    if (resolve) resolve(m);
  }
};
worker.onerror = (e) => setStatus(`Worker error: ${e.message}`);

function absorb(m) {
  if (m.diag) {
    state.diag = m.diag;
    state.liveTokens = m.diag.context.generated_tokens;
  }
  if (m.memoryBytes) state.memoryBytes = m.memoryBytes;
  if (m.runtimeCalls) state.runtimeCalls = m.runtimeCalls;
  renderDiagnostics();
  renderLive();
}

const errorName = (code) => state.errors[String(code)] || `error ${code}`;

// ---------------------------------------------------------------------------
// Status, busy state and which controls are enabled.

function setStatus(text) { ui.status.textContent = text; }

function setBusy(busy) {
  state.busy = busy;
  document.body.dataset.busy = String(busy);
  updateControls();
}

/** A context exists and has room for one more token (Step's precondition). */
function contextActive() {
  const d = state.diag;
  return !!(d && d.model_loaded && d.context.kv_length > 0 && d.context.kv_length < d.context.kv_capacity);
}

function updateControls() {
  const idle = state.ready && !state.busy;
  const loaded = !!(state.diag && state.diag.model_loaded);
  ui.load.disabled = !idle || !selectedEntry();
  ui.file.disabled = !idle;
  ui.unload.disabled = !idle || !loaded;
  ui.generate.disabled = !idle || !loaded || !!state.blocked;
  ui.step.disabled = !idle || !contextActive() || !!state.blocked;
  ui.reset.disabled = !idle || !loaded;
  ui.stop.disabled = !state.generating;
  ui.example.disabled = !idle || !(state.model && state.model.entry);
  for (const b of ui.suggestions.querySelectorAll('button')) b.disabled = !idle;
  ui.clear.disabled = state.generating;
  if (typeof assemblyControls === 'function') assemblyControls(idle, loaded); // assembly.js
}

function showConfigError(text) {
  ui.configError.textContent = text || '';
  ui.configError.hidden = !text;
}

function showContextWarning(text) {
  ui.contextWarning.textContent = text || '';
  ui.contextWarning.hidden = !text;
}

function setModelState(kind, text) {
  ui.modelState.dataset.state = kind;
  ui.modelState.textContent = text;
}

/** Records an error for the diagnostics panel and redraws it at once. */
function recordError(op, code, name = errorName(code)) {
  state.lastError = { op, code, name };
  renderDiagnostics();
}

// ---------------------------------------------------------------------------
// Diagnostics panel (spec/diagnostics.md).

const fmt = (n, unit = '') => (n === null || n === undefined ? '—' : `${Number(n).toLocaleString('en-US', { maximumFractionDigits: 1 })}${unit}`);

function renderDiagnostics() {
  const d = state.diag;
  const set = (id, text) => { $(id).textContent = text; };
  set('diag-memory', fmt(state.memoryBytes, ' bytes'));
  if (!d) return;
  set('diag-load-ms', fmt(d.timing.load_ms, ' ms'));
  set('diag-prompt-tps', fmt(d.timing.prompt_tokens_per_s, ' tokens/s'));
  set('diag-gen-tps', fmt(d.timing.generation_tokens_per_s, ' tokens/s'));
  set('diag-tokens', `${d.context.prompt_tokens} / ${d.context.generated_tokens}`);
  set('diag-kv', `${d.context.kv_length} / ${d.context.kv_capacity}`);
  set('diag-kv-bytes', fmt(d.context.kv_bytes, ' bytes'));
  set('diag-scratch', `${fmt(d.memory.scratch_bytes)} / ${fmt(d.memory.peak_scratch_bytes)} bytes`);
  set('diag-model', d.model ? `${d.model.architecture}, ${d.model.tokenizer}, vocab ${d.model.vocab_size}, context ${d.model.context_length}, ${fmt(d.model.param_count)} params, ${fmt(d.memory.model_bytes)} bytes` : 'none');
  set('diag-quant', d.model ? d.model.quantization : '—');
  set('diag-adapters', String(d.adapters.apply_count));
  // The page streams with generate(prompt, 0) + steps, so the runtime's own
  // stop_reason is always max_tokens; the page's stop rule is what happened.
  set('diag-stop', state.lastStop || '—');
  const le = state.lastError;
  set('diag-last-error', le ? `${le.name} (${le.code}) from ${le.op}` : (d.last_error.code ? `${d.last_error.name} (${d.last_error.code})` : 'none'));
  ui.diagJson.textContent = JSON.stringify(d, null, 2);
}

/** The one tokens/s figure while streaming: the runtime's generation speed, as in the diagnostics. */
function renderLive() {
  const d = state.diag;
  ui.liveTokens.textContent = String(state.liveTokens);
  ui.liveTps.textContent = d && d.model_loaded ? fmt(d.timing.generation_tokens_per_s, ' tokens/s') : '—';
}

ui.toggleDiag.addEventListener('click', () => {
  const show = ui.diagnostics.hidden;
  ui.diagnostics.hidden = !show;
  ui.toggleDiag.textContent = show ? 'Hide' : 'Show';
  ui.toggleDiag.setAttribute('aria-expanded', String(show));
});

// ---------------------------------------------------------------------------
// Manifest, download, verification, cache.

async function loadManifest() {
  const [manifest, errors] = await Promise.all([
    fetch('models/manifest.json').then((r) => r.json()),
    fetch('errors.json').then((r) => r.json()),
  ]);
  if (manifest.schema !== 'tinyrustlm-web-models' || manifest.version !== MANIFEST_VERSION) throw new Error('unknown manifest format');
  state.manifest = manifest;
  state.errors = errors;
  // Trained models first (the manifest's order; the first is the default), then the test models.
  const group = (label, models) => {
    const g = document.createElement('optgroup');
    g.label = label;
    g.append(...models.map((m) => {
      const o = document.createElement('option');
      o.value = m.id;
      o.textContent = `${m.title} — ${size(m.bytes)}`;
      return o;
    }));
    return g;
  };
  const trained = manifest.models.filter((m) => m.group === 'trained');
  const tests = manifest.models.filter((m) => m.group !== 'trained');
  ui.select.replaceChildren(...(trained.length ? [group('Trained models', trained)] : []), group('Test models', tests));
  ui.select.value = manifest.models[0].id;
  ui.trainedIntro.hidden = !trained.length;
  ui.noTrained.hidden = !!trained.length;
  ui.suggestions.hidden = !trained.length; // prompts for the trained model only
  describeSelected();
  updateControls();
  await updateCacheState();
}

const size = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function selectedEntry() {
  return state.manifest && state.manifest.models.find((m) => m.id === ui.select.value);
}

function describeSelected() {
  const m = selectedEntry();
  if (m) {
    const params = m.param_count ? `${fmt(m.param_count)} parameters, ` : '';
    ui.description.textContent = `${m.description} (${params}context ${m.context_length} tokens, sha256 ${m.sha256.slice(0, 16)}…)`;
  } else if (ui.select.value === LOCAL && state.model && state.model.source === 'registry') {
    ui.description.textContent = `Assembled from the selector registry (see "Assembly from the selector registry"; base model sha256 ${state.model.sha256.slice(0, 16)}…).`;
  } else if (ui.select.value === LOCAL && state.model) {
    ui.description.textContent = `A local file, not in the manifest (sha256 ${state.model.sha256.slice(0, 16)}…): the runtime's validation decides.`;
  } else {
    ui.description.textContent = '';
  }
  updateControls();
}
ui.select.addEventListener('change', describeSelected);

/** Makes the selector name the model that is loaded (after a failure, or a local file). */
function showLoadedInSelector() {
  let local = ui.select.querySelector(`option[value="${LOCAL}"]`);
  if (state.model && (state.model.source === 'local' || state.model.source === 'registry')) {
    if (!local) {
      local = document.createElement('option');
      local.value = LOCAL;
      ui.select.prepend(local);
    }
    local.textContent = `${state.model.source === 'local' ? 'Local file' : 'Registry'}: ${state.model.name}`;
    ui.select.value = LOCAL;
  } else {
    if (local) local.remove();
    if (state.model && state.model.entry) ui.select.value = state.model.entry.id;
  }
  describeSelected();
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));

function progress(done, total) {
  ui.progress.max = total || 1;
  ui.progress.value = done;
  ui.progressText.textContent = `${done.toLocaleString('en-US')} / ${total ? total.toLocaleString('en-US') : '?'} bytes`;
}

const cacheKey = (entry) => new URL(`${entry.file}?sha256=${entry.sha256}`, location.href).href;

async function updateCacheState() {
  if (!('caches' in self)) { ui.cacheState.textContent = 'Cache API unavailable'; return; }
  const cache = await caches.open(CACHE_NAME);
  const n = (await cache.keys()).length;
  ui.cacheState.textContent = `${n} verified model${n === 1 ? '' : 's'} cached`;
}

ui.clearCache.addEventListener('click', async () => {
  if ('caches' in self) await caches.delete(CACHE_NAME);
  await updateCacheState();
  setStatus('Model cache cleared.');
});

/** The sentence that says which model stays loaded after a failed load. */
function stillLoaded() {
  return state.diag && state.diag.model_loaded && state.model ? ` The previously loaded model (${state.model.name}) stays loaded.` : '';
}

/** Hands verified (or local) bytes to the runtime. */
async function loadIntoRuntime(bytes, model) {
  setModelState('loading', `Loading ${model.name} into the runtime…`);
  const r = await request('load', { bytes: bytes.buffer }, [bytes.buffer]);
  return loadedIntoRuntime(r, model);
}

/** The page's side of a load reply ('load' or 'loadStream'). */
async function loadedIntoRuntime(r, model) {
  if (r.status === 0 && typeof assemblyReplaced === 'function') assemblyReplaced(model); // assembly.js: a new model, a new assembly
  if (r.status !== 0) {
    recordError('load', r.status);
    setModelState('rejected', `Model rejected by the runtime: ${errorName(r.status)} (${r.status}) — ${model.name}.${stillLoaded()}`);
    setStatus(`Model rejected: ${errorName(r.status)}.`);
    showLoadedInSelector();
    return false;
  }
  state.model = model;
  state.summary = r.summary;
  state.blocked = null;
  state.lastStop = null;
  state.lastError = null;
  state.liveTokens = 0;
  showLoadedInSelector();
  const m = state.diag.model;
  setModelState('loaded', `Loaded ${model.name}: ${m.architecture}, ${m.tokenizer}, ${m.quantization}, context ${m.context_length}` +
    (model.sha256 ? `, sha256 ${model.sha256.slice(0, 16)}… ${{ manifest: 'verified', registry: 'verified against the registry' }[model.source] || '(local file, not in the manifest)'}` : ''));
  setStatus(`Model loaded in ${fmt(state.diag.timing.load_ms, ' ms')}.`);
  showContextWarning('');
  renderDiagnostics();
  return true;
}

/**
 * A manifest model is streamed (worker.js 'loadStream', spec/abi.md §4.1):
 * the worker fetches it (or reads the cache), hands each chunk to the runtime
 * as it arrives and hashes the same bytes; a SHA-256 or length that is not
 * the manifest's aborts the pending load (slm_load_abort), so nothing of the
 * file ever runs, and the previously loaded model (or none) stays.
 */
async function loadSelected() {
  const entry = selectedEntry();
  if (!entry) return;
  setBusy(true);
  showConfigError('');
  try {
    setModelState('downloading', `Downloading ${entry.file} into the runtime (SHA-256 verified as it streams)…`);
    progress(0, entry.bytes);
    const useCache = ui.useCache.checked && 'caches' in self;
    const r = await request('loadStream', {
      url: new URL(entry.file, location.href).href, sha256: entry.sha256, bytes: entry.bytes,
      cacheKey: useCache ? cacheKey(entry) : null, cacheName: CACHE_NAME,
    });
    if (useCache) await updateCacheState();
    if (r.status === -2) {
      setModelState('rejected', `Model rejected: SHA-256 mismatch for ${entry.file} (manifest ${entry.sha256.slice(0, 16)}…, downloaded ${r.digest.slice(0, 16)}…, ${r.received} bytes). The load was aborted; nothing of it ran.${stillLoaded()}`);
      setStatus('Model rejected: digest mismatch.');
      recordError('verify', 'sha256', 'DigestMismatch');
      showLoadedInSelector();
      return;
    }
    if (r.status === -1) throw new Error(r.message);
    await loadedIntoRuntime(r, { name: entry.id, source: 'manifest', entry, sha256: r.digest });
  } catch (err) {
    setModelState('rejected', `Model could not be downloaded: ${entry.file}: ${err.message}.${stillLoaded()}`);
    setStatus('Download failed.');
    showLoadedInSelector();
  } finally {
    setBusy(false);
  }
}
ui.load.addEventListener('click', loadSelected);

async function loadLocalFile(file) {
  if (!file || state.busy) return;
  setBusy(true);
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    progress(bytes.length, bytes.length);
    const digest = await sha256(bytes);
    await loadIntoRuntime(bytes, { name: file.name, source: 'local', sha256: digest });
  } catch (err) {
    setModelState('rejected', `Could not read ${file.name}: ${err.message}.${stillLoaded()}`);
  } finally {
    setBusy(false);
  }
}
ui.file.addEventListener('change', () => { loadLocalFile(ui.file.files[0]); ui.file.value = ''; });
ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  loadLocalFile(e.dataTransfer.files[0]);
});
ui.drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); ui.file.click(); } });

ui.unload.addEventListener('click', async () => {
  setBusy(true);
  await request('unload'); // the worker starts a fresh instance: fresh diagnostics
  endRun();
  state.run = null;
  state.model = null;
  state.blocked = null;
  state.lastStop = null;
  state.lastError = null;
  state.liveTokens = 0;
  if (typeof assemblyReplaced === 'function') assemblyReplaced(null);
  showLoadedInSelector();
  renderDiagnostics();
  renderLive();
  showContextWarning('');
  setModelState('none', 'No model loaded.');
  setStatus('Model unloaded.');
  setBusy(false);
});

// ---------------------------------------------------------------------------
// Sampling configuration: the page checks syntax, the runtime checks ranges;
// either way the message names the field and the limit.

// A decimal number, or one of the IEEE values the ABI can carry (the runtime
// refuses them: the page lets it, and explains which rule it broke).
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const IEEE_WORDS = /^([+-]?Infinity|NaN)$/;

function readConfig() {
  const uint = (input, what, max, hint) => {
    const s = input.value.trim();
    if (!/^\d+$/.test(s) || BigInt(s) > max) throw new Error(`${what}: "${s}" is not allowed; ${hint}.`);
    return BigInt(s);
  };
  const num = (input, what, hint) => {
    const s = input.value.trim();
    if (!DECIMAL.test(s) && !IEEE_WORDS.test(s)) throw new Error(`${what}: "${s}" is not a number; ${hint}.`);
    return Number(s);
  };
  const maxTokens = Number(uint(ui.maxTokens, 'Max tokens', BigInt(MAX_CONTEXT),
    `use a whole number from 0 to ${MAX_CONTEXT.toLocaleString('en-US')} (no context is longer)`));
  const seed = uint(ui.seed, 'Seed', (1n << 64n) - 1n, 'use a whole number from 0 to 18,446,744,073,709,551,615 (64 bits)');
  return {
    maxTokens,
    sampling: {
      temperature: num(ui.temperature, 'Temperature', 'use a number such as 0.8, at least 0 (0 = greedy)'),
      topK: Number(uint(ui.topK, 'Top-k', 0xffffffffn,
        `use a whole number from 0 to ${MAX_SAMPLING_CANDIDATES.toLocaleString('en-US')} (0 = ${MAX_SAMPLING_CANDIDATES.toLocaleString('en-US')} candidates)`)),
      topP: num(ui.topP, 'Top-p', 'use a number above 0 and at most 1 (1 = no nucleus cut)'),
      seedLo: Number(seed & 0xffffffffn),
      seedHi: Number(seed >> 32n),
    },
    typed: { temperature: ui.temperature.value.trim(), topP: ui.topP.value.trim() }, // for messages
  };
}

/**
 * Which rule of spec/sampling.md [SAMP-CFG-01] a configuration the runtime
 * refused breaks, checked in the spec's order on the values as the ABI
 * receives them (f32).
 */
function samplingRuleBroken(s, typed) {
  const t = Math.fround(s.temperature);
  if (!Number.isFinite(t) || t < 0) return `Temperature ${typed.temperature} is not allowed: it must be a finite number, at least 0 (0 = greedy).`;
  if (s.topK > MAX_SAMPLING_CANDIDATES) {
    return `Top-k ${s.topK.toLocaleString('en-US')} is above the limit of ${MAX_SAMPLING_CANDIDATES.toLocaleString('en-US')} candidates (MAX_SAMPLING_CANDIDATES; 0 means ${MAX_SAMPLING_CANDIDATES.toLocaleString('en-US')}).`;
  }
  const p = Math.fround(s.topP);
  if (Number.isNaN(p) || p <= 0 || p > 1) return `Top-p ${typed.topP} is not allowed: it must be above 0 and at most 1 (1 = no nucleus cut).`;
  return '';
}

/** Names the field and the limit behind a runtime error of generate. */
function explainGenerateError(name, prompt) {
  const bytes = new TextEncoder().encode(prompt).length;
  switch (name) {
    case 'PromptTooLong':
      return `Prompt: ${bytes.toLocaleString('en-US')} bytes of UTF-8, over the limit of ${MAX_PROMPT_BYTES.toLocaleString('en-US')} bytes (MAX_PROMPT_BYTES). Shorten it.`;
    case 'EmptyPrompt':
      return 'Prompt: empty, and this model adds no beginning-of-text token, so there is nothing to continue. Type a few words.';
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------
// Transcript: one block per run (prompt, generated text, a note on how it
// ended); tokens that continue a run after its note go after the note.

function note(text) {
  const n = document.createElement('span');
  n.className = 'note';
  n.textContent = text;
  currentBlock().append(n);
  // Later steps continue in a new span after the note, never before it.
  endRun();
  state.run = null;
}

function currentBlock() {
  const last = ui.transcript.lastElementChild;
  if (last && last.classList.contains('run')) return last;
  const block = document.createElement('div');
  block.className = 'run';
  ui.transcript.append(block);
  return block;
}

function startRun(prompt) {
  let block;
  if (prompt === null) {
    block = currentBlock();
  } else {
    block = document.createElement('div');
    block.className = 'run';
    ui.transcript.append(block);
    const p = document.createElement('span');
    p.className = 'prompt';
    p.textContent = prompt;
    block.append(p);
  }
  const g = document.createElement('span');
  g.className = 'gen';
  block.append(g);
  state.run = { span: g, decoder: new TextDecoder('utf-8') };
}

function appendToken(bytes) {
  if (!state.run) startRun(null);
  state.run.span.textContent += state.run.decoder.decode(bytes, { stream: true });
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function endRun() {
  if (state.run) state.run.span.textContent += state.run.decoder.decode();
}

const STOP_NOTES = {
  eos: '[end of text: the model produced its end-of-text token]',
  context_full: '[context full]',
};

// ---------------------------------------------------------------------------
// Generate, step, stop, reset, clear.

function contextExceeded(op) {
  const d = state.diag;
  showContextWarning(op === 'generate'
    ? `ContextExceeded: the prompt does not fit the model's context of ${d.context.kv_capacity} tokens. Shorten it; the transcript and model are kept.`
    : `ContextExceeded: the context is full (${d.context.kv_length} / ${d.context.kv_capacity} tokens). Reset or Generate to start a new context; the transcript is kept.`);
}

async function generate() {
  let config;
  try {
    config = readConfig();
  } catch (err) {
    showConfigError(err.message);
    return;
  }
  showConfigError('');
  showContextWarning('');
  setBusy(true);
  state.generating = true;
  state.lastStop = null; // the panel shows no stop reason while this run streams
  updateControls();
  endRun();
  state.run = null;
  const prompt = ui.prompt.value;
  let started = false;
  const startOnPrompt = (e) => { if (e.data.type === 'prompt' && !started) { started = true; startRun(prompt); } };
  worker.addEventListener('message', startOnPrompt);
  const r = await request('generate', { prompt, ...config });
  worker.removeEventListener('message', startOnPrompt);
  state.generating = false;
  // The run stays open (no endRun): Step continues it, and a character
  // whose UTF-8 bytes span two tokens must not be cut at the boundary.
  if (r.status !== 0) {
    const name = errorName(r.status);
    recordError(r.op, r.status);
    if (r.op === 'sampling') {
      const why = samplingRuleBroken(config.sampling, config.typed);
      showConfigError(`Sampling configuration rejected by the runtime: ${name} (${r.status}).${why ? ` ${why}` : ''}`);
    } else if (name === 'ContextExceeded') {
      contextExceeded('generate');
    } else {
      const why = explainGenerateError(name, prompt);
      showConfigError(`Generate failed: ${name} (${r.status}).${why ? ` ${why}` : ''}`);
    }
    setStatus(`Generate failed: ${name}.`);
  } else {
    state.lastStop = r.stop;
    state.lastError = null;
    if (r.stop === 'stopped') note(`[stopped after ${r.produced} tokens]`);
    else if (STOP_NOTES[r.stop]) note(STOP_NOTES[r.stop]);
    setStatus(`Generated ${r.produced} tokens (${r.stop}).`);
  }
  renderDiagnostics();
  renderLive();
  setBusy(false);
}
ui.generate.addEventListener('click', generate);

async function step() {
  showContextWarning('');
  setBusy(true);
  const r = await request('step');
  if (r.status !== 0) {
    recordError('step', r.status);
    if (errorName(r.status) === 'ContextExceeded') contextExceeded('step');
    else showConfigError(`Step failed: ${errorName(r.status)} (${r.status}).`);
    setStatus(`Step failed: ${errorName(r.status)}.`);
  } else {
    state.lastError = null;
    state.lastStop = r.eos ? 'eos (step)' : 'step';
    appendToken(r.bytes);
    if (r.eos) note(STOP_NOTES.eos);
    else if (!contextActive()) note(STOP_NOTES.context_full);
    setStatus(`Stepped one token (id ${r.tokenId}${r.eos ? ', EOS' : ''}).`);
  }
  renderDiagnostics();
  setBusy(false);
}
ui.step.addEventListener('click', step);

ui.stop.addEventListener('click', () => { if (state.generating) worker.postMessage({ op: 'stop' }); });

ui.reset.addEventListener('click', async () => {
  setBusy(true);
  await request('reset');
  endRun();
  state.run = null;
  state.lastStop = null;
  note('[context reset]');
  showContextWarning('');
  renderDiagnostics();
  setStatus('Context reset; the transcript is kept.');
  setBusy(false);
});

ui.clear.addEventListener('click', () => {
  endRun();
  state.run = null;
  ui.transcript.replaceChildren();
  setStatus('Transcript cleared; the model stays loaded.');
});

/** Fills the prompt and the example's sampling settings. */
function useExample(ex, prompt = ex.prompt) {
  ui.prompt.value = prompt;
  ui.maxTokens.value = String(ex.max_tokens);
  ui.temperature.value = String(ex.temperature);
  ui.topK.value = String(ex.top_k);
  ui.topP.value = String(ex.top_p);
  ui.seed.value = String(ex.seed);
}

ui.example.addEventListener('click', () => {
  const ex = state.model && state.model.entry && state.model.entry.example;
  if (!ex) return;
  useExample(ex);
  setStatus(ex.vector
    ? `Example from vector ${ex.vector}: expect "${ex.expected}" (${ex.stop_reason}).`
    : `Example: "${ex.prompt}", ${ex.max_tokens} tokens, temperature ${ex.temperature}, top-k ${ex.top_k}, seed ${ex.seed}.`);
});

// Suggested prompts: the prompt, with the sampling of the trained model's
// example (a trained model at temperature 0 soon repeats itself).
ui.suggestions.addEventListener('click', (e) => {
  const b = e.target.closest('button');
  if (!b || b.disabled) return;
  const trained = state.manifest && state.manifest.models.find((m) => m.group === 'trained');
  const entry = (state.model && state.model.entry && state.model.entry.group === 'trained') ? state.model.entry : trained;
  if (entry) useExample(entry.example, b.textContent);
  else ui.prompt.value = b.textContent;
  ui.prompt.focus();
});

// Ctrl/Cmd+Enter in the prompt generates.
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !ui.generate.disabled) { e.preventDefault(); generate(); }
});

// ---------------------------------------------------------------------------
// For tests and the curious: a read-only view and a way to wait for idle.

window.tinyrustlmDemo = {
  get state() { return { ...state, run: undefined }; },
  idle() {
    return new Promise((resolve) => {
      const check = () => (state.ready && !state.busy && !state.generating ? resolve() : setTimeout(check, 2));
      check();
    });
  },
};

updateControls();
loadManifest().catch((err) => setStatus(`Could not read the model manifest: ${err.message}`));
