// Generation speed of one model in the two WebAssembly builds of the
// runtime — baseline (tinyrustlm.wasm) and WebAssembly SIMD
// (tinyrustlm-simd128.wasm) — in Node and in headless Chromium, against the
// native build on its portable and its best kernel path; printed, not
// asserted.
//
//   node web/tests/bench.mjs [q8_0|q4_0|f32]     (Chromium part: after web/tests/run has built the site)
//
// The model is the benchmark's stories15M shape with random weights
// (`tinyrustlm-bench write-model`). Same prompt, greedy, 128 tokens, medians
// of RUNS, the builds alternating within each run.
// - native: `slm run`'s generation tokens/s (time around its
//   generate_next_token loop), with TINYRUSTLM_ISA=portable and uncapped;
// - Node: this process instantiates each .wasm and times
//   slm_generate_next_token through the raw exports (performance.now());
// - Chromium: the demo page with ?wasm=baseline|simd128, the runtime's own
//   generation_tokens_per_s from the diagnostics (time inside
//   slm_generate_next_token, clock from performance.now() in the worker).
//   Skipped with a note when no Chromium is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

// (lib.mjs needs playwright-core: imported only for the Chromium part)
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const DTYPE = process.argv[2] || 'q8_0';
const PROMPT = 'Once upon a time';
const TOKENS = 128;
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const dir = join(REPO, 'target', 'web-bench');
mkdirSync(dir, { recursive: true });
const model = join(dir, `stories15M-${DTYPE}.slm`);
const cargo = (args, env = {}) =>
  execFileSync('cargo', args, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
cargo(['run', '--quiet', '--locked', '--release', '-p', 'tinyrustlm-bench', '--', 'write-model', DTYPE, model]);
cargo(['build', '--quiet', '--locked', '--release', '-p', 'tinyrustlm-tools', '--bin', 'slm']);
// The two modules the page serves (web/serve builds them the same way).
cargo(['build', '--quiet', '--locked', '-p', 'tinyrustlm', '--target', 'wasm32-unknown-unknown', '--profile', 'web']);
cargo(
  ['build', '--quiet', '--locked', '-p', 'tinyrustlm', '--target', 'wasm32-unknown-unknown', '--profile', 'web', '--target-dir', 'target/wasm-simd128'],
  { RUSTFLAGS: '-C target-feature=+simd128' },
);
const BUILDS = {
  baseline: join(REPO, 'target', 'wasm32-unknown-unknown', 'web', 'tinyrustlm.wasm'),
  simd128: join(REPO, 'target', 'wasm-simd128', 'wasm32-unknown-unknown', 'web', 'tinyrustlm.wasm'),
};

// Native: `slm run`, portable path and best path.
function native(isa) {
  const env = { ...process.env };
  if (isa === 'portable') env.TINYRUSTLM_ISA = 'portable';
  else delete env.TINYRUSTLM_ISA;
  const run = spawnSync(join(REPO, 'target', 'release', 'slm'), ['run', model, '--prompt', PROMPT, '-n', String(TOKENS)], { cwd: REPO, env });
  const out = String(run.stderr);
  const m = out.match(/generated (\d+) tokens, ([\d.]+) tok\/s/);
  if (!m) throw new Error(`slm run said: ${out}`);
  return { tokens: Number(m[1]), tps: Number(m[2]) };
}

// Node: one instance per build, driven through the raw exports.
function nodeSession(path) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {
    env: { slm_host_now_ms: () => performance.now() }, // [ABI-TYPE-03]
  });
  const x = instance.exports;
  const put = (bytes) => {
    const p = x.slm_alloc(bytes.length) >>> 0;
    if (p === 0) throw new Error(`slm_alloc: error ${x.slm_last_error()}`);
    new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
    return p;
  };
  const bytes = readFileSync(model);
  const status = x.slm_load_model(put(bytes), bytes.length) >>> 0;
  if (status !== 0) throw new Error(`slm_load_model: error ${status}`);
  const prompt = new TextEncoder().encode(PROMPT);
  const promptPtr = put(prompt);
  return () => {
    if (x.slm_generate(promptPtr, prompt.length, 0) >>> 0) throw new Error('slm_generate failed');
    const t0 = performance.now();
    let n = 0;
    for (; n < TOKENS; n++) if (x.slm_generate_next_token() >>> 0) break;
    return { tokens: n, tps: (n / (performance.now() - t0)) * 1000 };
  };
}

const results = { native: { portable: [], best: [] }, node: { baseline: [], simd128: [] }, chromium: { baseline: [], simd128: [] } };
const sessions = Object.fromEntries(Object.entries(BUILDS).map(([b, p]) => [b, nodeSession(p)]));
let tokens = 0;
for (let i = 0; i < RUNS; i++) {
  for (const isa of ['portable', 'best']) results.native[isa].push(native(isa).tps);
  for (const b of Object.keys(BUILDS)) {
    const r = sessions[b]();
    tokens = r.tokens;
    results.node[b].push(r.tps);
  }
}

// Headless Chromium, when installed: the page with each build forced.
let chromium = 'not installed: Chromium rows skipped';
if (existsSync(CHROMIUM)) {
  const { startServer, launch, open, generate, demoState, idle } = await import('./lib.mjs');
  chromium = execFileSync(CHROMIUM, ['--version']).toString().trim();
  const srv = await startServer();
  const b = await launch();
  try {
    for (const build of Object.keys(BUILDS)) {
      await open(b.page, `${srv.url}?wasm=${build}`);
      await b.page.setInputFiles('#file-input', model);
      await idle(b.page);
      const state = await b.page.getAttribute('#model-state', 'data-state');
      if (state !== 'loaded') throw new Error(await b.page.textContent('#model-state'));
      for (let i = 0; i < RUNS; i++) {
        await generate(b.page, PROMPT, TOKENS);
        const { diag } = await demoState(b.page);
        results.chromium[build].push(diag.timing.generation_tokens_per_s);
      }
    }
  } finally {
    await b.close();
    srv.stop();
  }
}

const best = median(results.native.best);
const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`stories15M shape (dim 288, 6 layers, ffn 768, ctx 256), ${DTYPE}, random weights; prompt ${JSON.stringify(PROMPT)}, ${tokens} greedy tokens, median of ${RUNS}`);
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} logical CPUs, load average ${load}; Node ${process.version}; Chromium: ${chromium}`);
console.log('| where | build | gen tokens/s | × native best path |');
console.log('|---|---|---:|---:|');
const row = (where, build, xs) => xs.length && console.log(`| ${where} | ${build} | ${median(xs).toFixed(1)} | ${(median(xs) / best).toFixed(2)} |`);
row('native, slm run', 'portable (TINYRUSTLM_ISA=portable)', results.native.portable);
row('native, slm run', 'best path (run-time detection)', results.native.best);
for (const b of Object.keys(BUILDS)) row('Node, raw exports', `${b} .wasm`, results.node[b]);
for (const b of Object.keys(BUILDS)) row('headless Chromium, runtime time', `${b} .wasm`, results.chromium[b]);
