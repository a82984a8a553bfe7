// Issue 18 in the browser: streamed loads verified as they stream, and two
// resident models (compare). Expected outputs come from the vector manifests
// (test models) or from the other compare run (determinism); digests from
// the bytes themselves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, open, loadModel, generate, lastRun, demoState, vectorCase, modelBytes, setConfig, SITE } from './lib.mjs';

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
const HAVE_BARD = existsSync(join(SITE, 'models', 'bard-q8_0.slm'));

test('streaming: progress per chunk, and a drifted digest aborts the load while the previous model stays usable', async () => {
  const v = vectorCase('generation/demo/repeat4_f32.toml');
  await open(page, srv.url);
  await page.uncheck('#use-cache');
  await loadModel(page, 'repeat4-f32');
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'loaded');
  assert.match(await text('#download-text'), new RegExp(`^${modelBytes('repeat4-f32').length.toLocaleString('en-US')} / `));
  // The manifest's digest drifts from the file served: the streamed SHA-256 disagrees.
  await page.evaluate(() => {
    const e = window.tinyrustlmDemo.state.manifest.models.find((m) => m.id === 'successor-q8_0');
    e.sha256 = e.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  });
  const before = (await demoState(page)).runtimeCalls;
  await loadModel(page, 'successor-q8_0');
  assert.equal(await page.getAttribute('#model-state', 'data-state'), 'rejected');
  assert.match(await text('#model-state'), /SHA-256 mismatch.*aborted; nothing of it ran\. The previously loaded model \(repeat4-f32\) stays loaded\./);
  const calls = (await demoState(page)).runtimeCalls;
  const delta = (name) => (calls[name] || 0) - (before[name] || 0);
  assert.deepEqual([delta('slm_load_begin'), delta('slm_load_abort'), delta('slm_load_end')], [1, 1, 0]);
  assert.ok(delta('slm_load_chunk') >= 1);
  // The previous model is the one that answers, unchanged.
  assert.equal(await page.isDisabled('#generate'), false);
  assert.equal((await demoState(page)).diag.memory.model_bytes, modelBytes('repeat4-f32').length);
  await generate(page, v.prompt, v.maxTokens);
  assert.equal(await lastRun(page), v.expected);
});

test('compare: the base and the base + comedy stack resident in one instance, each generating without a reload', async (t) => {
  if (!HAVE_BARD) return t.skip('models/bard/ is not in this checkout');
  await open(page, srv.url);
  const requests = [];
  const onRequest = (r) => { if (/\.(slm|asp1|alr1)$/.test(new URL(r.url()).pathname)) requests.push(new URL(r.url()).pathname); };
  browser.context.on('request', onRequest);
  try {
    await page.click('#compare-load');
    await page.evaluate(() => window.tinyrustlmCompare.idle());
    const state = await text('#compare-state');
    assert.match(state, /^Two models resident in one instance: bard-q8_0 and bard-q8_0\+comedy \(1 adapter on the second\)/, state);
    assert.deepEqual(requests.slice().sort(), ['/bard/bard-q8_0.slm', '/bard/bard-q8_0.slm', '/registry/comedy.asp1']);
    const beforeCalls = (await demoState(page)).runtimeCalls;
    assert.equal(beforeCalls.slm_load_end_model, 2);
    assert.equal(beforeCalls.slm_session_create, 2);
    await setConfig(page, { prompt: 'ROMEO.', maxTokens: 48, temperature: 0.8, topK: 40, topP: 1, seed: 1 });
    const run = async (k) => {
      await page.click(`#compare-gen-${k}`);
      await page.evaluate(() => window.tinyrustlmCompare.idle());
      return text(`#compare-out-${k}`);
    };
    const a1 = await run(0);
    const b1 = await run(1);
    const a2 = await run(0);
    const b2 = await run(1);
    for (const o of [a1, b1]) assert.ok(o.startsWith('ROMEO.') && o.length > 'ROMEO.'.length + 20, o);
    assert.equal(a2, a1, 'the base is deterministic across switches');
    assert.equal(b2, b1, 'the stack is deterministic across switches');
    assert.notEqual(a1, b1, 'the adapter stack changes the output');
    assert.equal(requests.length, 3, `no model or adapter fetched again while switching: ${requests.join(', ')}`);
    const calls = (await demoState(page)).runtimeCalls;
    assert.equal(calls.slm_load_end_model, 2, 'nothing reloaded');
    assert.equal(calls.slm_apply_adapter, beforeCalls.slm_apply_adapter);
    assert.equal((calls.slm_session_use || 0) - (beforeCalls.slm_session_use || 0), 4, 'one session_use per generation');
    console.log(`compare: base "${a1.slice(0, 60)}…" | +comedy "${b1.slice(0, 60)}…"`);
  } finally {
    browser.context.off('request', onRequest);
  }
});
