// Shared helpers of the browser tests: the loopback server, Debian's
// Chromium through playwright-core (no browser download), and expected
// outputs read from the vector manifests themselves.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { chromium } from 'playwright-core';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SITE = join(REPO, 'target', 'web-site');
export const ARTIFACTS = join(REPO, 'web', 'tests', 'artifacts');
const SERVER = join(REPO, 'target', 'debug', 'tinyrustlm-web');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Starts the site server on a free loopback port (site built by web/tests/run). */
export async function startServer() {
  const child = spawn(SERVER, ['serve', '--no-build', '--port', '0', '--site', SITE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** A fresh Chromium profile (its own --user-data-dir) and one page. */
export async function launch(viewport = { width: 1200, height: 900 }) {
  const profile = mkdtempSync(join(tmpdir(), 'tinyrustlm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

const fromHex = (h) => Buffer.from(h, 'hex');

/**
 * A vector case (vectors/suite/cases/<case>) read from its TOML text: the
 * model, the first `generate` step (prompt, max_tokens, expected text and
 * stop reason), the last one as `last`, and the texts of the successful
 * `generate_next_token` steps. Expected outputs never come from the page.
 */
export function vectorCase(casePath) {
  const text = readFileSync(join(REPO, 'vectors', 'suite', 'cases', casePath), 'utf8');
  const field = (src, re) => {
    const m = src.match(re);
    if (!m) throw new Error(`${casePath}: no ${re}`);
    return m[1];
  };
  const blocks = text.split('[[step]]').slice(1);
  const gens = blocks.filter((b) => b.includes('call = "generate"\n')).map((b) => ({
    prompt: fromHex(field(b, /prompt_hex = "([0-9a-f]*)"/)).toString('utf8'),
    maxTokens: Number(field(b, /max_tokens = (\d+)/)),
    expected: fromHex(field(b, /bytes_hex = "([0-9a-f]*)"/)).toString('utf8'),
    stopReason: field(b, /stop_reason = "(\w+)"/),
  }));
  if (gens.length === 0) throw new Error(`${casePath}: no generate step`);
  const steps = blocks
    .filter((b) => b.includes('call = "generate_next_token"'))
    .map((b) => b.match(/token = \{ id = \d+, bytes_hex = "([0-9a-f]*)" \}/))
    .filter(Boolean)
    .map((m) => fromHex(m[1]).toString('utf8'));
  return { model: field(text, /model = "files\/models\/([^"]+)\.slm"/), ...gens[0], last: gens[gens.length - 1], steps };
}

export function modelBytes(id) {
  return readFileSync(join(SITE, 'models', `${id}.slm`));
}

// ---------------------------------------------------------------------------
// Page helpers: everything goes through the page's controls.

export async function idle(page) {
  await page.evaluate(() => window.tinyrustlmDemo.idle());
}

export async function open(page, url) {
  await page.goto(url);
  try {
    await page.waitForFunction(() => window.tinyrustlmDemo && window.tinyrustlmDemo.state.ready && window.tinyrustlmDemo.state.manifest);
  } catch (err) {
    // Say where the page stopped (the status line names a failed start).
    const where = await page.evaluate(() => ({
      status: document.getElementById('status')?.textContent,
      ready: window.tinyrustlmDemo?.state.ready,
      manifest: !!window.tinyrustlmDemo?.state.manifest,
    })).catch((e) => ({ evaluate: e.message }));
    throw new Error(`${err.message}; the page: ${JSON.stringify(where)}`);
  }
  await idle(page);
}

export async function loadModel(page, id) {
  await page.selectOption('#model-select', id);
  await page.click('#load-model');
  await idle(page);
}

export async function setConfig(page, cfg) {
  const map = { prompt: '#prompt', maxTokens: '#max-tokens', temperature: '#temperature', topK: '#top-k', topP: '#top-p', seed: '#seed' };
  for (const [k, v] of Object.entries(cfg)) await page.fill(map[k], String(v));
}

export async function generate(page, prompt, maxTokens) {
  await setConfig(page, { prompt, maxTokens });
  await page.click('#generate');
  await page.waitForFunction(() => !window.tinyrustlmDemo.state.generating && !window.tinyrustlmDemo.state.busy);
}

/** The text of the last generation run in the transcript. */
export const lastRun = (page) => page.evaluate(() => {
  const runs = document.querySelectorAll('#transcript .gen');
  return runs.length ? runs[runs.length - 1].textContent : null;
});

export const demoState = (page) => page.evaluate(() => {
  const s = window.tinyrustlmDemo.state;
  return { diag: s.diag, memoryBytes: s.memoryBytes, runtimeCalls: s.runtimeCalls, lastStop: s.lastStop, lastError: s.lastError };
});

// ---------------------------------------------------------------------------
// Registry helpers, written from the specs (not shared with the page): canonical
// JSON (spec/breeding.md [BRD-REC-01]), SHA-256, CRC-32C ([SLM1-CRC-01]) and
// the SLM1 identity read from a file's header (spec/slm1.md §1.1, §3).

export function canonical(v) {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`canonical JSON has integers only: ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
}

export const sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');

const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

export function crc32cOf(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The identity object (spec/breeding.md §6.2) of an SLM1 file, from its header bytes. */
export function identityOf(slm) {
  const u32 = (o) => slm.readUInt32LE(o);
  const hex = (v) => `0x${v.toString(16).padStart(8, '0')}`;
  return {
    architecture: slm[16], dim: u32(24), ffn_dim: u32(44), flags: slm.readUInt16LE(18), head_dim: u32(40), n_heads: u32(32),
    n_kv_heads: u32(36), n_layers: u32(28), param_count: Number(slm.readBigUInt64LE(88)), tensor_count: u32(72),
    tensor_layout_checksum: hex(u32(96)), tokenizer_checksum: hex(u32(100)), vocab_size: u32(20),
  };
}
