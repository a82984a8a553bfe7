// Generation speed of one model in headless Chromium (the demo page, the
// runtime in its Web Worker) and natively (slm run), printed, not asserted.
//
//   node web/tests/bench.mjs [q8_0|q4_0|f32]     (after web/tests/run has built the site)
//
// The model is the benchmark's stories15M shape with random weights
// (`tinyrustlm-bench write-model`), opened in the page as a local file.
// Browser figure: the runtime's own generation_tokens_per_s from the
// diagnostics (time inside slm_generate_next_token, clock from
// performance.now() in the worker) and the page's wall clock (tokens
// streamed per second, including the worker's yields and messages). Native
// figure: `slm run`'s generation tokens/s (time around its generate_next_token
// loop). Same prompt, greedy, 128 tokens, medians of 3.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { REPO, startServer, launch, open, generate, demoState, idle } from './lib.mjs';

const DTYPE = process.argv[2] || 'q8_0';
const PROMPT = 'Once upon a time';
const TOKENS = 128;
const RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = join(REPO, 'target', 'web-bench');
mkdirSync(dir, { recursive: true });
const model = join(dir, `stories15M-${DTYPE}.slm`);
const cargo = (args) => execFileSync('cargo', args, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
cargo(['run', '--quiet', '--locked', '--release', '-p', 'tinyrustlm-bench', '--', 'write-model', DTYPE, model]);
cargo(['build', '--quiet', '--locked', '--release', '-p', 'tinyrustlm-tools', '--bin', 'slm']);

// Native.
const native = [];
let nativeTokens = 0;
for (let i = 0; i < RUNS; i++) {
  const run = spawnSync(join(REPO, 'target', 'release', 'slm'), ['run', model, '--prompt', PROMPT, '-n', String(TOKENS)], { cwd: REPO });
  const out = String(run.stderr);
  const m = out.match(/generated (\d+) tokens, ([\d.]+) tok\/s/);
  if (!m) throw new Error(`slm run said: ${out}`);
  nativeTokens = Number(m[1]);
  native.push(Number(m[2]));
}

// Headless Chromium.
const srv = await startServer();
const b = await launch();
const runtime = [];
const wall = [];
let browserTokens = 0;
let wasmMemory = 0;
try {
  await open(b.page, srv.url);
  await b.page.setInputFiles('#file-input', model);
  await idle(b.page);
  const state = await b.page.getAttribute('#model-state', 'data-state');
  if (state !== 'loaded') throw new Error(await b.page.textContent('#model-state'));
  for (let i = 0; i < RUNS; i++) {
    const t0 = Date.now();
    await generate(b.page, PROMPT, TOKENS);
    const ms = Date.now() - t0;
    const { diag, memoryBytes } = await demoState(b.page);
    browserTokens = diag.context.generated_tokens;
    wasmMemory = memoryBytes;
    runtime.push(diag.timing.generation_tokens_per_s);
    wall.push((browserTokens / ms) * 1000);
  }
} finally {
  await b.close();
  srv.stop();
}

const chromium = execFileSync(process.env.CHROMIUM || '/usr/bin/chromium', ['--version']).toString().trim();
const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`stories15M shape (dim 288, 6 layers, ffn 768, ctx 256), ${DTYPE}, random weights; prompt ${JSON.stringify(PROMPT)}, ${TOKENS} greedy tokens, median of ${RUNS}`);
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} logical CPUs, load average ${load}; ${chromium}`);
console.log('| where | generated | tokens/s |');
console.log('|---|---:|---:|');
console.log(`| native, slm run (release, x86-64 baseline) | ${nativeTokens} | ${median(native).toFixed(1)} |`);
console.log(`| headless Chromium, runtime time (diagnostics generation_tokens_per_s) | ${browserTokens} | ${median(runtime).toFixed(1)} |`);
console.log(`| headless Chromium, page wall clock (tokens streamed to the page) | ${browserTokens} | ${median(wall).toFixed(1)} |`);
console.log(`browser/native (runtime time): ${(median(runtime) / median(native)).toFixed(2)}; WebAssembly memory ${wasmMemory} bytes`);
