// Soak (seeds' "performance soak"): hundreds of load → generate → reset →
// unload cycles through the page's own controls, across the f32, q8_0 and
// q4_0 successor models, asserting the vector's exact output every cycle and
// a WebAssembly memory that stops growing after warm-up. The worker gives
// each loaded model, and each unload, a fresh instance (worker.js), so the
// memory is measured twice a cycle: after generate (one model's instance:
// the same for the same model in every cycle after warm-up) and after
// unload (the fresh instance: the same every cycle).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, open, vectorCase } from './lib.mjs';

const CYCLES = Number(process.env.SOAK_CYCLES || 450);
const WARMUP = 45;
const PLAN = [
  ['successor-f32', 'generation/demo/successor_f32_alphabet.toml'],
  ['successor-q8_0', 'generation/demo/successor_q80_alphabet.toml'],
  ['successor-q4_0', 'generation/demo/successor_q40_alphabet.toml'],
].map(([model, vector]) => {
  const v = vectorCase(vector);
  assert.equal(v.model, model);
  return { model, prompt: v.prompt, maxTokens: v.maxTokens, expected: v.expected };
});

let srv;
let browser;
before(async () => {
  srv = await startServer();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (srv) srv.stop();
});

test(`soak: ${CYCLES} load → generate → reset → unload cycles over f32, q8_0 and q4_0`, { timeout: 170_000 }, async () => {
  const { page } = browser;
  await open(page, srv.url);
  const started = Date.now();
  const r = await page.evaluate(async ({ plan, cycles }) => {
    const demo = window.tinyrustlmDemo;
    const $ = (id) => document.getElementById(id);
    const outputs = [];
    const memory = []; // after generate
    const unloaded = []; // after unload
    const loadCalls = [];
    for (let i = 0; i < cycles; i++) {
      const p = plan[i % plan.length];
      $('model-select').value = p.model;
      $('model-select').dispatchEvent(new Event('change'));
      $('load-model').click();
      await demo.idle();
      if ($('model-state').dataset.state !== 'loaded') return { failedAt: i, why: $('model-state').textContent };
      $('prompt').value = p.prompt;
      $('max-tokens').value = String(p.maxTokens);
      $('generate').click();
      await demo.idle();
      const runs = document.querySelectorAll('#transcript .gen');
      outputs.push(runs[runs.length - 1].textContent);
      memory.push(demo.state.memoryBytes);
      $('reset').click();
      await demo.idle();
      if (demo.state.diag.context.kv_length !== 0) return { failedAt: i, why: 'reset left a context' };
      $('unload').click();
      await demo.idle();
      if (demo.state.diag.model_loaded) return { failedAt: i, why: 'unload left a model' };
      $('clear').click();
      unloaded.push(demo.state.memoryBytes);
      loadCalls.push(demo.state.runtimeCalls.slm_load_end); // manifest models stream (worker.js loadStream)
    }
    return { outputs, memory, unloaded, loadCalls };
  }, { plan: PLAN, cycles: CYCLES });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.failedAt, undefined, `cycle ${r.failedAt}: ${r.why}`);
  assert.equal(r.outputs.length, CYCLES);
  r.outputs.forEach((out, i) => assert.equal(out, PLAN[i % PLAN.length].expected, `cycle ${i}`));
  assert.equal(r.loadCalls[CYCLES - 1], CYCLES, 'one runtime load per cycle');
  // Per model: its memory after generate in the last warm-up cycle, and every later cycle's.
  const warm = PLAN.map((_, k) => r.memory[WARMUP - PLAN.length + k]);
  const grown = r.memory.slice(WARMUP).filter((m, i) => m !== warm[(WARMUP + i) % PLAN.length]);
  const fresh = r.unloaded[0];
  console.log(`soak: ${CYCLES} cycles in ${seconds.toFixed(1)} s; WebAssembly memory after generate, ` +
    `${PLAN.map((p, k) => `${p.model} ${warm[k]}`).join(', ')} bytes after warm-up (max over all cycles ${Math.max(...r.memory)}); ` +
    `after unload: ${fresh} bytes (max ${Math.max(...r.unloaded)})`);
  assert.deepEqual(grown, [], `memory after generate changed after warm-up (${warm.join(', ')} bytes)`);
  assert.deepEqual(r.unloaded.filter((m) => m !== fresh), [], 'after unload: the fresh instance every cycle');
});
