// The screenshot of web/README.md: the page with the trained model's output.
//
//   node web/tests/screenshot.mjs [MODEL_ID] [OUT.png]
//   node web/tests/screenshot.mjs registry:ENTRY_ID [OUT.png]   (an entry assembled from the selector registry:
//                                                                the assembly and evidence panels, after generating)
//
// Needs the site built as web/tests/run builds it (target/web-site/). Loads
// MODEL_ID (default: the manifest's first entry, bard-q8_0 when models/bard/
// is present), clicks the suggested prompt "ROMEO." (which also sets the
// trained model's sampling: temperature 0.8, top-k 40, seed 1, 96 tokens) or,
// for a test model, "Use the model's example", generates, and writes
// OUT.png (default web/screenshot.png): the whole page, 1200 CSS pixels wide.
import { join } from 'node:path';
import { startServer, launch, open, idle, REPO } from './lib.mjs';

const [modelArg, outArg] = process.argv.slice(2);
const out = outArg || join(REPO, 'web', 'screenshot.png');
const srv = await startServer();
const browser = await launch({ width: 1200, height: 900 });
try {
  const { page } = browser;
  if (modelArg && modelArg.startsWith('registry:')) {
    // ?assemble=<id>: the page boots from the registry and assembles the entry.
    const id = modelArg.slice('registry:'.length);
    await open(page, `${srv.url}?assemble=${encodeURIComponent(id)}`);
    await page.waitForFunction(() => window.tinyrustlmDemo.assembly.state.outcome);
    await idle(page);
    const outcome = await page.evaluate(() => window.tinyrustlmDemo.assembly.state.outcome);
    if (!outcome.ok) throw new Error(outcome.message);
    await page.click('#suggestions button:text("ROMEO.")');
    await page.click('#generate');
    await page.waitForFunction(() => !window.tinyrustlmDemo.state.generating && !window.tinyrustlmDemo.state.busy);
    // The assembly and the evidence, side by side in one picture: the panels
    // between them (model, generate) are hidden for the shot.
    await page.evaluate(() => {
      for (const id of ['model-panel', 'generate-panel', 'intro']) document.getElementById(id).hidden = true;
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`${out}: ${id}, ${outcome.message} ${await page.textContent('#status')}`.replace(/\s+/g, ' '));
  } else {
    await open(page, srv.url);
    const manifest = await page.evaluate(() => window.tinyrustlmDemo.state.manifest.models.map((m) => ({ id: m.id, group: m.group })));
    const entry = modelArg ? manifest.find((m) => m.id === modelArg) : manifest[0];
    if (!entry) throw new Error(`no model ${modelArg} in the manifest (${manifest.map((m) => m.id).join(', ')})`);
    await page.selectOption('#model-select', entry.id);
    await page.click('#load-model');
    await idle(page);
    if (await page.getAttribute('#model-state', 'data-state') !== 'loaded') throw new Error(await page.textContent('#model-state'));
    if (entry.group === 'trained') await page.click('#suggestions button:text("ROMEO.")');
    else await page.click('#use-example');
    await page.click('#generate');
    await page.waitForFunction(() => !window.tinyrustlmDemo.state.generating && !window.tinyrustlmDemo.state.busy);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: out, fullPage: true });
    console.log(`${out}: ${entry.id}, ${await page.textContent('#status')} ${await page.textContent('#live')}`.replace(/\s+/g, ' '));
  }
} finally {
  await browser.close();
  srv.stop();
}
