// Peak memory of loading a 32 MiB model (slm1::valid::model_at_byte_budget,
// 33,554,432 bytes, restored from the suite's stored prefix and its zero
// tail) in headless Chromium, streamed (worker.js 'loadStream': fetch body →
// one 1 MiB host buffer → slm_load_chunk, SHA-256 as it streams) against the
// old full-copy path (the page collects the body, concatenates it, digests
// it with WebCrypto, transfers it to the worker, which copies it into a
// 32 MiB host buffer for slm_load_model). Each path runs RUNS times, each in
// a fresh Chromium. Printed per path:
// - WebAssembly memory after the load (the instance's memory never shrinks:
//   its size is its peak), as web/tests/soak.test.mjs reads it;
// - the peak resident set of the renderer process (page + worker: VmHWM
//   from /proc), minus its value just before the load (VmHWM only grows);
// - the page's JS heap right after (CDP Runtime.getHeapUsage; the worker's
//   heap and its ArrayBuffers are inside the renderer's RSS, not separated).
// The model is served by the site server like every model (written into
// the built site before the server starts, removed from the disk after).
// Usage: node web/tests/memory.mjs (after web/tests/run built the site);
// RUNS=n for another count of runs per path.
import { readFileSync, readdirSync, mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { REPO, SITE, startServer, sha256Hex } from './lib.mjs';

const RUNS = Number(process.env.RUNS || 3);
const BUDGET = 33554432;
const stored = readFileSync(join(REPO, 'vectors/suite/files/slm1/valid/model_at_byte_budget.slm'));
const model = Buffer.alloc(BUDGET);
stored.copy(model);
const digest = sha256Hex(model);

function rendererHwm(profile) {
  let max = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd;
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (!cmd.includes('--type=renderer') || !cmd.includes(profile)) continue;
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    if (m) max = Math.max(max, Number(m[1]) * 1024);
  }
  return max;
}

async function measure(url, path) {
  const profile = mkdtempSync(join(tmpdir(), 'tinyrustlm-memory-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    await page.goto(url);
    await page.waitForFunction(() => window.tinyrustlmDemo && window.tinyrustlmDemo.state.ready);
    await page.evaluate(() => window.tinyrustlmDemo.idle());
    const hwm0 = rendererHwm(profile);
    const r = await page.evaluate(async ({ path, digest, bytes }) => {
      const href = new URL('measure/budget.slm', location.href).href;
      if (path === 'streamed') {
        // eslint-disable-next-line no-undef
        const m = await request('loadStream', { url: href, sha256: digest, bytes, cacheKey: null });
        return { status: m.status, memoryBytes: m.memoryBytes };
      }
      // The full-copy path as the page did it before issue 18.
      const response = await fetch(href, { cache: 'no-store' });
      const reader = response.body.getReader();
      const chunks = [];
      let n = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
        n += value.length;
      }
      const all = new Uint8Array(n);
      let at = 0;
      for (const c of chunks) { all.set(c, at); at += c.length; }
      const d = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', all)), (b) => b.toString(16).padStart(2, '0')).join('');
      if (d !== digest) return { status: 'digest' };
      // eslint-disable-next-line no-undef
      const m = await request('load', { bytes: all.buffer }, [all.buffer]);
      return { status: m.status, memoryBytes: m.memoryBytes };
    }, { path, digest, bytes: BUDGET });
    const hwm1 = rendererHwm(profile);
    const cdp = await context.newCDPSession(page);
    const pageHeap = await cdp.send('Runtime.getHeapUsage');
    return { ...r, peakRss: hwm1, rssGrowth: hwm1 - hwm0, pageHeap: pageHeap.usedSize };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// Served by the site server like every model (it reads the site once at start).
mkdirSync(join(SITE, 'measure'), { recursive: true });
writeFileSync(join(SITE, 'measure', 'budget.slm'), model);
const srv = await startServer();
rmSync(join(SITE, 'measure'), { recursive: true, force: true });
const mib = (b) => (b / 1048576).toFixed(1);
try {
  console.log(`model: ${BUDGET} bytes, sha256 ${digest.slice(0, 16)}…; ${RUNS} runs per path, each in a fresh Chromium`);
  for (const path of ['streamed', 'full-copy']) {
    for (let i = 0; i < RUNS; i++) {
      const r = await measure(srv.url, path);
      if (r.status !== 0) throw new Error(`${path}: load status ${r.status}`);
      console.log(`${path.padEnd(9)} run ${i + 1}: WebAssembly memory ${r.memoryBytes} bytes (${mib(r.memoryBytes)} MiB); ` +
        `renderer peak RSS ${mib(r.peakRss)} MiB, +${mib(r.rssGrowth)} MiB during the load; ` +
        `page JS heap after ${mib(r.pageHeap)} MiB`);
    }
  }
} finally {
  srv.stop();
}
