// End-to-end tests of the browser demo in Debian's Chromium (headless), on
// loopback. Expected outputs come from the vector manifests
// (vectors/suite/cases/), never from running the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, launch, open, loadModel, generate, setConfig, lastRun, demoState, vectorCase, modelBytes, idle, artifact, REPO,
} from './lib.mjs';

let srv;
let browser;
let page;

before(async () => {
  srv = await startServer();
  browser = await launch();
  page = browser.page;
});

after(async () => {
  if (browser) await browser.close();
  if (srv) srv.stop();
});

const text = (sel) => page.textContent(sel);
const visible = (sel) => page.isVisible(sel);

test('the server sends a self-only CSP, serves .wasm as application/wasm, and the page cannot reach another origin', async () => {
  const response = await page.goto(srv.url);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /^default-src 'self';/);
  const wasm = await page.request.get(new URL('tinyrustlm.wasm', srv.url).href);
  assert.equal(wasm.headers()['content-type'], 'application/wasm');
  await open(page, srv.url);
  assert.equal(await page.evaluate(() => window.crossOriginIsolated), true);
  const outcome = await page.evaluate(async () => {
    let violated = null;
    document.addEventListener('securitypolicyviolation', (e) => { violated = e.violatedDirective; }, { once: true });
    try {
      await fetch('http://127.0.0.2:9/exfiltrate', { mode: 'no-cors' });
      return { fetched: true, violated };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
      return { fetched: false, violated };
    }
  });
  assert.deepEqual(outcome, { fetched: false, violated: 'connect-src' });
  assert.deepEqual(browser.errors, []);
});

for (const [model, vector] of [
  ['successor-f32', 'generation/demo/successor_f32_alphabet.toml'],
  ['successor-q8_0', 'generation/demo/successor_q80_alphabet.toml'],
  ['successor-q4_0', 'generation/demo/successor_q40_alphabet.toml'],
  ['repeat4-q4_0', 'generation/demo/repeat4_q40.toml'],
]) {
  test(`${model}: download with progress, verify, and generate exactly the output of ${vector}`, async () => {
    const v = vectorCase(vector);
    assert.equal(v.model, model);
    await open(page, srv.url);
    await loadModel(page, model);
    assert.equal(await page.getAttribute('#model-state', 'data-state'), 'loaded');
    assert.match(await text('#model-state'), /verified/);
    const size = modelBytes(model).length.toLocaleString('en-US');
    assert.match(await text('#download-text'), new RegExp(`^${size} / ${size} bytes`));
    await generate(page, v.prompt, v.maxTokens);
    assert.equal(await lastRun(page), v.expected);
    assert.equal((await demoState(page)).lastStop, v.stopReason);
    assert.equal(await text('#diag-stop'), v.stopReason);
  });
}

test('Step one token is disabled without a context and continues the transcript and the context', async () => {
  const v = vectorCase('generation/demo/successor_f32_alphabet.toml');
  await open(page, srv.url);
  await loadModel(page, 'successor-f32');
  assert.equal(await page.isDisabled('#step'), true, 'no context yet');
  // generate(p, 5) then 3 steps = the first 8 tokens of generate(p, 40) [GEN-STEP-01]
  await generate(page, v.prompt, 5);
  assert.equal(await lastRun(page), v.expected.slice(0, 5));
  for (let i = 0; i < 3; i++) {
    assert.equal(await page.isDisabled('#step'), false);
    await page.click('#step');
    await idle(page);
  }
  assert.equal(await lastRun(page), v.expected.slice(0, 8));
  const { diag } = await demoState(page);
  assert.equal(diag.context.prompt_tokens, v.prompt.length + 1); // BTOK: one token per byte, plus BOS
  assert.equal(diag.context.generated_tokens, 8);
  assert.equal(diag.context.kv_length, v.prompt.length + 1 + 8);
  assert.equal(await text('#diag-tokens'), `${v.prompt.length + 1} / 8`);
});

test('Stop cancels between tokens and generating again works', async () => {
  const v = vectorCase('generation/demo/repeat4_f32.toml');
  await open(page, srv.url);
  await loadModel(page, 'repeat4-f32');
  await setConfig(page, { prompt: v.prompt, maxTokens: 250 });
  // With the SIMD kernels the tiny model generates 250 tokens before a Stop
  // click can make the round trip to the worker, so each token is made to
  // take at least 2 ms (test instrumentation of the classic worker's global
  // stepToken; the runtime's output is untouched).
  const [worker] = page.workers();
  await worker.evaluate(() => {
    const step = self.stepToken;
    self.stepToken = () => {
      const t0 = performance.now();
      while (performance.now() - t0 < 2);
      return step();
    };
  });
  // Click Stop as soon as the first token is on the page.
  const stopped = page.evaluate(() => new Promise((resolve) => {
    const t = document.getElementById('transcript');
    const obs = new MutationObserver(() => {
      const runs = t.querySelectorAll('.gen');
      if (runs.length && runs[runs.length - 1].textContent.length > 0) {
        obs.disconnect();
        document.getElementById('stop').click();
        resolve();
      }
    });
    obs.observe(t, { childList: true, subtree: true, characterData: true });
  }));
  await page.click('#generate');
  await stopped;
  await page.waitForFunction(() => !window.tinyrustlmDemo.state.generating);
  await idle(page);
  const partial = await lastRun(page);
  assert.equal((await demoState(page)).lastStop, 'stopped');
  assert.ok(partial.length >= 1 && partial.length < 250, `stopped after ${partial.length} tokens`);
  assert.equal(partial, v.expected.repeat(30).slice(0, partial.length), 'a prefix of the repeating output');
  assert.match(await text('#transcript'), /\[stopped after \d+ tokens\]/);
  await generate(page, v.prompt, v.maxTokens);
  assert.equal(await lastRun(page), v.expected);
  assert.equal((await demoState(page)).lastStop, v.stopReason);
});

test('Reset clears the runtime context and keeps the transcript; Clear clears the transcript and keeps the model', async () => {
  const v = vectorCase('generation/demo/successor_q80_alphabet.toml');
  await open(page, srv.url);
  await loadModel(page, 'successor-q8_0');
  await generate(page, v.prompt, v.maxTokens);
  await page.click('#reset');
  await idle(page);
  let s = await demoState(page);
  assert.equal(s.diag.context.kv_length, 0);
  assert.equal(s.diag.model_loaded, true);
  assert.ok((await text('#transcript')).includes(v.prompt + v.expected), 'transcript kept after Reset');
  assert.match(await text('#transcript'), /\[context reset\]/);
  assert.equal(await page.isDisabled('#step'), true, 'no context after Reset');
  await page.click('#clear');
  assert.equal(await text('#transcript'), '');
  s = await demoState(page);
  assert.equal(s.diag.model_loaded, true, 'model kept after Clear');
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'loaded');
  await generate(page, v.prompt, v.maxTokens);
  assert.equal(await lastRun(page), v.expected);
  await page.click('#unload');
  await idle(page);
  s = await demoState(page);
  assert.equal(s.diag.model_loaded, false);
  assert.equal(await page.isDisabled('#generate'), true);
});

test('a tampered download is rejected by the SHA-256 check and never reaches the runtime', async () => {
  await open(page, srv.url);
  await page.click('#clear-cache');
  await page.waitForFunction(() => /^0 verified models cached/.test(document.getElementById('cache-state').textContent));
  const tampered = Buffer.from(modelBytes('successor-f32'));
  tampered[tampered.length - 1] ^= 0x01;
  await page.route('**/models/successor-f32.slm', (route) => route.fulfill({ body: tampered, contentType: 'application/octet-stream' }));
  const before = (await demoState(page)).runtimeCalls;
  await loadModel(page, 'successor-f32');
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'rejected');
  assert.match(await text('#model-state'), /^Model rejected: SHA-256 mismatch/);
  const afterCalls = (await demoState(page)).runtimeCalls;
  assert.deepEqual(afterCalls, before, 'no runtime call at all (no slm_alloc, no slm_load_model)');
  assert.equal(await page.isDisabled('#generate'), true);
  await page.unroute('**/models/successor-f32.slm');
  // recoverable: the genuine file loads
  await loadModel(page, 'successor-f32');
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'loaded');
  assert.equal((await demoState(page)).runtimeCalls.slm_load_model, (before.slm_load_model || 0) + 1);
});

test('a corrupt local file is rejected by the runtime with its error name; a dropped valid file loads', async () => {
  const v = vectorCase('generation/demo/successor_q40_alphabet.toml');
  await open(page, srv.url);
  const corrupt = Buffer.from(modelBytes('successor-q4_0'));
  corrupt[200] ^= 0x40; // inside the file: the CRC-32C over the file no longer matches
  await page.setInputFiles('#file-input', { name: 'corrupt.slm', mimeType: 'application/octet-stream', buffer: corrupt });
  await idle(page);
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'rejected');
  assert.match(await text('#model-state'), /^Model rejected by the runtime: ChecksumMismatch \(106\)/);
  assert.match(await text('#diag-last-error'), /ChecksumMismatch \(106\)/);
  assert.equal(await page.isDisabled('#generate'), true);
  // Files the runtime refuses before reading them (spec/abi.md [ABI-LOAD-01]):
  // longer than MODEL_BYTE_BUDGET (from the length alone), and empty.
  for (const [size, error] of [[33554433, 'ModelTooLarge \\(100\\)'], [0, 'Truncated \\(101\\)']]) {
    await page.evaluate((n) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(n)], `size-${n}.slm`));
      document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, size);
    await page.waitForFunction((n) => document.getElementById('model-state').textContent.includes(`size-${n}.slm`), size);
    await idle(page);
    assert.match(await text('#model-state'), new RegExp(`^Model rejected by the runtime: ${error}`));
  }
  // Drag and drop a valid model.
  const bytes = [...modelBytes('successor-q4_0')];
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'successor-q4_0.slm'));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  await page.waitForFunction(() => document.getElementById('model-state').dataset.state === 'loaded');
  await idle(page);
  assert.match(await text('#model-state'), /local file/);
  await generate(page, v.prompt, v.maxTokens);
  assert.equal(await lastRun(page), v.expected);
});

test('ContextExceeded shows a warning and keeps the transcript and the controls', async () => {
  const v = vectorCase('generation/context/steps_until_full.toml');
  await open(page, srv.url);
  await loadModel(page, 'successor-ctx16-q4_0');
  await generate(page, v.prompt, v.maxTokens);
  assert.equal(await lastRun(page), v.expected);
  for (const piece of v.steps) {
    await page.click('#step');
    await idle(page);
    assert.ok((await lastRun(page)).endsWith(piece));
  }
  assert.equal(await visible('#context-warning'), false);
  await page.click('#step'); // the context is full
  await idle(page);
  assert.equal(await visible('#context-warning'), true);
  assert.match(await text('#context-warning'), /^ContextExceeded: the context is full \(16 \/ 16 tokens\)/);
  assert.equal(await lastRun(page), v.expected + v.steps.join(''), 'transcript kept');
  assert.equal(await page.isDisabled('#generate'), false);
  assert.match(await text('#diag-last-error'), /ContextExceeded \(301\)/);
  // A prompt that does not fit: the same warning kind, nothing lost.
  await generate(page, 'A'.repeat(20), 1);
  assert.match(await text('#context-warning'), /^ContextExceeded: the prompt does not fit/);
  assert.ok((await text('#transcript')).includes(v.expected + v.steps.join('')));
  // Recovery: a new generate starts over.
  await generate(page, v.last.prompt, v.last.maxTokens);
  assert.equal(await visible('#context-warning'), false);
  assert.equal(await lastRun(page), v.last.expected); // the case's last step: generate("A", 3)
});

test('an invalid sampling configuration shows the runtime error name; the page checks only syntax', async () => {
  const v = vectorCase('generation/demo/successor_f32_alphabet.toml');
  await open(page, srv.url);
  await loadModel(page, 'successor-f32');
  for (const [field, value] of [['temperature', '-1'], ['temperature', 'NaN'], ['topP', '0'], ['topP', '1.5'], ['topK', '1025']]) {
    await setConfig(page, { temperature: 0, topK: 0, topP: 1, seed: 0, [field]: value });
    await generate(page, v.prompt, v.maxTokens);
    assert.equal(await visible('#config-error'), true, `${field}=${value}`);
    assert.equal(await text('#config-error'), 'Sampling configuration rejected by the runtime: InvalidSamplingConfig (300).', `${field}=${value}`);
  }
  await setConfig(page, { temperature: 0, topK: 0, topP: 1, seed: 'abc' });
  const calls = (await demoState(page)).runtimeCalls.slm_set_sampling;
  await generate(page, v.prompt, v.maxTokens);
  assert.match(await text('#config-error'), /^Seed must be a whole number/);
  assert.equal((await demoState(page)).runtimeCalls.slm_set_sampling, calls, 'syntax errors never reach the runtime');
  // Temperature 1, seed 123: the vector's sampled case.
  const sampled = vectorCase('generation/demo/successor_sampled.toml');
  await setConfig(page, { temperature: 1, topK: 0, topP: 1, seed: 123 });
  await generate(page, sampled.prompt, sampled.maxTokens);
  assert.equal(await visible('#config-error'), false);
  assert.equal(await lastRun(page), sampled.expected);
});

test('diagnostics values are present and sane', async () => {
  const v = vectorCase('generation/demo/repeat4_q80.toml');
  await open(page, srv.url);
  await loadModel(page, 'repeat4-q8_0');
  await generate(page, v.prompt, v.maxTokens);
  const { diag, memoryBytes } = await demoState(page);
  const manifest = await page.evaluate(() => window.tinyrustlmDemo.state.manifest.models.find((m) => m.id === 'repeat4-q8_0'));
  assert.equal(diag.schema, 'tinyrustlm-diagnostics');
  // The version the spec's schema pins (spec/diagnostics.schema.json), not a copy.
  const schema = JSON.parse(readFileSync(join(REPO, 'spec', 'diagnostics.schema.json'), 'utf8'));
  assert.equal(diag.version, schema.properties.version.const);
  assert.equal(typeof diag.adapters.apply_count, 'number');
  assert.equal(diag.model.quantization, 'q8_0');
  assert.equal(diag.model.context_length, manifest.context_length);
  assert.equal(diag.context.kv_capacity, manifest.context_length);
  assert.equal(diag.memory.model_bytes, manifest.bytes);
  assert.equal(diag.context.prompt_tokens, v.prompt.length + 1);
  assert.equal(diag.context.generated_tokens, v.maxTokens);
  assert.equal(diag.context.kv_length, v.prompt.length + 1 + v.maxTokens);
  assert.ok(diag.context.kv_bytes > 0);
  // scratch_bytes is the header-derived bound of spec/limits.md; peak is what
  // the runtime actually holds (diagnostics.md §2), which the reference
  // runtime keeps within that bound (here 5,904 ≤ 6,544 bytes).
  assert.ok(diag.memory.scratch_bytes > 0 && diag.memory.peak_scratch_bytes > 0);
  assert.ok(diag.memory.peak_scratch_bytes <= diag.memory.scratch_bytes, 'held scratch within the derived bound');
  assert.ok(diag.timing.load_ms === null || diag.timing.load_ms >= 0);
  for (const k of ['generation_tokens_per_s']) {
    assert.ok(Number.isFinite(diag.timing[k]) && diag.timing[k] > 0, `${k} = ${diag.timing[k]}`);
  }
  assert.ok(diag.timing.prompt_tokens_per_s === null || diag.timing.prompt_tokens_per_s > 0);
  assert.equal(diag.adapters.apply_count, 0);
  assert.equal(diag.last_error.code, 0);
  assert.ok(memoryBytes >= 65536 && memoryBytes % 65536 === 0);
  assert.equal(await text('#diag-quant'), 'q8_0');
  assert.equal(await text('#diag-kv'), `${v.prompt.length + 1 + v.maxTokens} / ${manifest.context_length}`);
  assert.match(await text('#diag-gen-tps'), /tokens\/s$/);
  assert.match(await text('#diag-memory'), /bytes$/);
  assert.equal(await text('#diag-adapters'), '0');
});

test('verified models are cached and the cache can be cleared', async () => {
  const v = vectorCase('generation/demo/repeat4_q80.toml');
  await open(page, srv.url);
  await page.click('#clear-cache');
  await loadModel(page, 'repeat4-q8_0');
  await page.waitForFunction(() => /^1 verified model cached/.test(document.getElementById('cache-state').textContent));
  // The network now fails for this model: the cached, re-verified copy is used.
  await page.route('**/models/repeat4-q8_0.slm', (route) => route.abort());
  await loadModel(page, 'repeat4-q8_0');
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'loaded');
  assert.match(await text('#download-text'), /from the cache, verified/);
  await generate(page, v.prompt, v.maxTokens);
  assert.equal(await lastRun(page), v.expected);
  await page.click('#clear-cache');
  await page.waitForFunction(() => /^0 verified models cached/.test(document.getElementById('cache-state').textContent));
  await loadModel(page, 'repeat4-q8_0');
  assert.match(await text('#model-state'), /could not be downloaded/);
  await page.unroute('**/models/repeat4-q8_0.slm');
});

test('labels, keyboard use and a phone-sized viewport; screenshots saved', async () => {
  await open(page, srv.url);
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !document.querySelector(`label[for="${el.id}"]`)).map((el) => el.id || el.outerHTML));
  assert.deepEqual(unlabeled, []);
  // Keyboard only: load a model, type a prompt, Ctrl+Enter generates.
  const v = vectorCase('generation/demo/successor_f32_alphabet.toml');
  await page.focus('#model-select');
  await page.selectOption('#model-select', 'successor-f32');
  await page.keyboard.press('Tab'); // -> Load
  assert.equal(await page.evaluate(() => document.activeElement.id), 'load-model');
  await page.keyboard.press('Enter');
  await idle(page);
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'loaded');
  await page.fill('#max-tokens', String(v.maxTokens));
  await page.focus('#prompt');
  await page.keyboard.type(v.prompt);
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => !window.tinyrustlmDemo.state.generating && !window.tinyrustlmDemo.state.busy);
  assert.equal(await lastRun(page), v.expected);
  await page.screenshot({ path: artifact('desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px on a phone viewport`);
  const small = await page.evaluate(() => [...document.querySelectorAll('button')].filter((b) => b.getBoundingClientRect().height < 40).map((b) => b.id));
  assert.deepEqual(small, [], 'buttons at least 40px high');
  await page.screenshot({ path: artifact('phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1200, height: 900 });
});
