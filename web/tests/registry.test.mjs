// The seeds' browser smoke modes for issue 16 (assembly from the selector
// registry), in Debian's Chromium: adapter-sidecar-registry-file,
// combined-selector-assembly, runtime-manifest-drift, step-token, quarantine,
// the budgets, and a soak of assembly / generate / reset cycles.
// Expected values come from the registry's files on disk, recomputed here
// (SHA-256, CRC-32C, the sidecars' counts), never from the page.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launch, idle, SITE, REPO, sha256Hex, crc32cOf, canonical, identityOf } from './lib.mjs';

const REG = join(SITE, 'registry');
const readJson = (rel) => JSON.parse(readFileSync(join(REG, rel), 'utf8'));
// A site without a registry (no models/registry/): every test skips.
const present = existsSync(join(REG, 'module.plan.json'));
const plan = present ? readJson('module.plan.json') : { entries: [], registry: 'selector.registry.json' };
const registry = present ? readJson(plan.registry) : { entries: [], quarantined: [] };
const test = (name, ...rest) => (present ? nodeTest(name, ...rest) : nodeTest(name, { skip: 'the site has no registry/ (models/registry/ is absent)' }, () => {}));
const bytesOf = (rel) => readFileSync(join(REG, rel));
const hex8 = (v) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
const le32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
/** [ADP-STATE-02]: crc32c(le32(previous) ‖ le32(package file_checksum)), from the model's file_checksum. */
const assemblyChecksum = (modelFile, adapterFiles) => adapterFiles.reduce(
  (acc, f) => crc32cOf(Buffer.concat([le32(acc), le32(bytesOf(f).readUInt32LE(12))])),
  bytesOf(modelFile).readUInt32LE(12),
);
const stack = registry.entries.find((e) => e.kind === 'stack' && e.adapters.length === 2) || registry.entries.find((e) => e.kind === 'stack') || { admission: { evidence: [] }, adapters: [] };
const baseOf = (e) => (e.kind === 'stack' ? registry.entries.find((b) => b.id === e.base) : e);
const quantOf = (e) => ['q4_0', 'q8_0', 'f32'].find((q) => e.file.includes(q));

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

/** Opens the page with a request log (paths, in order) and waits for the registry boot. */
async function openLogged(page, { route, query = '' } = {}) {
  const log = [];
  const onRequest = (r) => log.push(new URL(r.url()).pathname);
  page.on('request', onRequest);
  await page.unrouteAll({ behavior: 'wait' });
  if (route) await route(page);
  await page.goto(srv.url + query);
  await page.waitForFunction(() => window.tinyrustlmDemo && window.tinyrustlmDemo.state.ready && window.tinyrustlmDemo.assembly
    && (window.tinyrustlmDemo.assembly.state.booted || window.tinyrustlmDemo.assembly.state.halted));
  await idle(page);
  return { log, stop: () => page.off('request', onRequest) };
}

const asmState = (page) => page.evaluate(() => window.tinyrustlmDemo.assembly.state);

async function assemble(page, id) {
  await page.selectOption('#entry-select', id);
  await page.click('#assemble');
  await idle(page);
  return asmState(page);
}

async function generate(page, prompt, maxTokens) {
  await page.fill('#prompt', prompt);
  await page.fill('#max-tokens', String(maxTokens));
  await page.fill('#temperature', '0');
  await page.click('#generate');
  await page.waitForFunction(() => !window.tinyrustlmDemo.state.generating && !window.tinyrustlmDemo.state.busy);
  return page.evaluate(() => [...document.querySelectorAll('#transcript .gen')].pop().textContent);
}

/** The identity of a model file from its header (lib.mjs), checked against the diagnostics' checksums. */
function diagIdentity(diag, file) {
  const id = identityOf(file);
  assert.equal(diag.model.tensor_layout_checksum, id.tensor_layout_checksum);
  assert.equal(diag.model.tokenizer_checksum, id.tokenizer_checksum);
  return id;
}
const planned = (id) => plan.entries.find((e) => e.entry === id).modules;
/** The site path of a registry path ([REG-PATH-01]: relative to registry/, may start with '..'). */
const sitePath = (file) => new URL(file, 'http://site/registry/').pathname;
/** Requests of the registry's files: under registry/, or wherever a '..' path puts them. */
const registryRequests = (log) => log.filter((p) => p.startsWith('/registry/') || p.endsWith('.slm') || /\.(asp1|alr1|adp1)$|sidecar\.json$/.test(p));
const slmRequests = (log) => log.filter((p) => p.endsWith('.slm'));

test('adapter-sidecar-registry-file: plan, registry, six phases, module bytes and digests, evidence, adapters applied by the runtime', async () => {
  const { page } = browser;
  const { log, stop } = await openLogged(page);
  const s = await assemble(page, stack.id);
  stop();
  assert.equal(s.outcome.ok, true, s.outcome.message);
  // Every phase ran, in the plan's order.
  assert.deepEqual(s.phases, Object.fromEntries(planned(stack.id).map((m) => [m.phase, 'done'])));
  assert.equal(Object.keys(s.phases).length, 6);
  assert.equal(await page.locator('#phases li[data-state="done"]').count(), 6);
  // One "Actual module bytes" row per module: bytes as fetched = the file's, digest verified.
  for (const m of planned(stack.id)) {
    const row = s.modules[m.index];
    if (m.file === null) { assert.equal(row.actual, null); continue; }
    const b = bytesOf(m.file);
    assert.equal(row.actual, b.length, m.file);
    assert.equal(m.sha256, `sha256:${sha256Hex(b)}`, `${m.file}: the plan's digest`);
    assert.equal(row.sha256, 'verified', m.file);
  }
  assert.equal(await page.locator('#module-bytes tbody th', { hasText: 'Actual module bytes' }).count(), planned(stack.id).length);
  // The plan before the registry before any model; the model before the adapters.
  const paths = registryRequests(log);
  assert.equal(paths[0], '/registry/module.plan.json');
  assert.equal(paths[1], `/registry/${plan.registry}`);
  const files = planned(stack.id).filter((m) => m.file).map((m) => sitePath(m.file));
  assert.deepEqual(paths.slice(2), files, 'modules fetched once each, in index order');
  // The runtime's assembly checksum is the registry's, and the one computed here from the packages.
  const want = hex8(assemblyChecksum(baseOf(stack).file, stack.adapters.map((a) => a.file)));
  assert.equal(stack.assembly_checksum, want);
  const diag = await page.evaluate(() => window.tinyrustlmDemo.state.diag);
  assert.equal(diag.adapters.assembly_checksum, want);
  assert.equal(diag.adapters.apply_count, stack.adapters.length);
  assert.match(await page.textContent('#assembly-checksum'), new RegExp(`^${want} \\(${stack.adapters.length} adapters applied\\)`));
  assert.deepEqual(s.applied.map((a) => [a.name, a.format]), stack.adapters.map((a) => [a.file, a.format]));
  // The evidence panel: every sidecar with its counts, recomputed here from its cases.
  for (const ev of stack.admission.evidence) {
    const sc = JSON.parse(bytesOf(ev.sidecar).toString('utf8'));
    const passed = sc.cases.filter((c) => c.pass).length;
    const block = page.locator(`#evidence .sidecar[data-file="${ev.sidecar}"]`);
    assert.match(await block.textContent(), new RegExp(`Cases: ${sc.cases.length}, passed ${passed}, failed ${sc.cases.length - passed}\\.`));
    assert.equal(await block.locator('table.cases tr').count(), sc.cases.length + 1);
    if (sc.source_kind === 'task-eval' && passed < sc.cases.length) {
      assert.match(await block.locator('.claim').textContent(), new RegExp(`task-quality claim refused \\(${passed}/${sc.cases.length} passed\\)`));
    }
  }
  // Generation is on, and the assembled weights generate.
  assert.equal(await page.isDisabled('#generate'), false);
  assert.ok((await generate(page, 'ROMEO.', 8)).length > 0);
});

test('a stack over a bred child (bard-q8_0+ties, issue 16) assembles: its package applied by the runtime, the checksum computed here', async () => {
  const { page } = browser;
  await openLogged(page);
  const bred = registry.entries.find((e) => e.id === 'bard-q8_0+ties');
  assert.ok(bred && bred.kind === 'stack' && bred.adapters.length === 1, 'the registry admits the bred child\'s stack');
  const s = await assemble(page, bred.id);
  assert.equal(s.outcome.ok, true, s.outcome.message);
  const want = hex8(assemblyChecksum(baseOf(bred).file, bred.adapters.map((a) => a.file)));
  assert.equal(bred.assembly_checksum, want);
  const diag = await page.evaluate(() => window.tinyrustlmDemo.state.diag);
  assert.equal(diag.adapters.assembly_checksum, want);
  assert.deepEqual(s.applied.map((a) => [a.name, a.format]), [['ties.alr1', 'ALR1']]);
  assert.ok((await generate(page, 'ROMEO.', 8)).length > 0);
});

test('adapter controls: a local package is validated and applied; the list and the assembly checksum follow', async () => {
  const { page } = browser;
  await openLogged(page);
  const base = registry.entries.find((e) => e.kind === 'base' && e.file === baseOf(stack).file);
  await assemble(page, base.id);
  const pkg = stack.adapters[0].file;
  const dir = mkdtempSync(join(tmpdir(), 'web16-'));
  const local = join(dir, 'local.asp1');
  writeFileSync(local, bytesOf(pkg));
  await page.setInputFiles('#adapter-file', local);
  await page.waitForFunction(() => window.tinyrustlmDemo.assembly.state.applied.length === 1 && !window.tinyrustlmDemo.state.busy);
  const want = hex8(assemblyChecksum(base.file, [pkg]));
  const s = await asmState(page);
  assert.equal(s.applied[0].source, 'local');
  assert.equal(s.applied[0].checksumAfter, want);
  assert.match(await page.textContent('#applied'), new RegExp(`local\\.asp1 \\(ASP1, .*local file.*→ assembly checksum ${want}`));
  // A corrupt package is refused by the runtime and changes nothing.
  const bad = Buffer.from(bytesOf(pkg));
  bad[bad.length - 1] ^= 1;
  writeFileSync(local, bad);
  await page.setInputFiles('#adapter-file', local);
  await page.waitForFunction(() => /Adapter rejected by the runtime: AdapterChecksumMismatch/.test(document.getElementById('status').textContent));
  assert.equal((await page.evaluate(() => window.tinyrustlmDemo.state.diag)).adapters.assembly_checksum, want);
  rmSync(dir, { recursive: true, force: true });
});

test('combined-selector-assembly: q4_0, q8_0 and f32 entries in one page, the plan fetched before any model', async () => {
  const { page } = browser;
  const { log, stop } = await openLogged(page);
  const bases = ['q4_0', 'q8_0', 'f32'].map((q) => registry.entries.find((e) => e.kind === 'base' && quantOf(e) === q));
  assert.ok(bases.every(Boolean), 'the registry has a q4_0, a q8_0 and an f32 base');
  for (const e of bases) {
    const s = await assemble(page, e.id);
    assert.equal(s.outcome.ok, true, `${e.id}: ${s.outcome.message}`);
    const diag = await page.evaluate(() => window.tinyrustlmDemo.state.diag);
    assert.equal(diag.model.quantization, quantOf(e));
    assert.equal(diag.memory.model_bytes, bytesOf(e.file).length);
    assert.equal(diag.adapters.assembly_checksum, hex8(bytesOf(e.file).readUInt32LE(12)), 'no adapter: the file checksum');
    assert.equal(s.modules[0].actual, bytesOf(e.file).length);
    assert.deepEqual(diagIdentity(diag, bytesOf(e.file)), e.identity, `${e.id}: the registry's identity is the file header's`);
    assert.ok((await generate(page, 'KING HENRY.', 4)).length > 0);
  }
  stop();
  const first = (p) => log.indexOf(p);
  const firstSlm = log.findIndex((p) => p.endsWith('.slm'));
  assert.ok(first('/registry/module.plan.json') >= 0 && first('/registry/module.plan.json') < first(`/registry/${plan.registry}`));
  assert.ok(first(`/registry/${plan.registry}`) < firstSlm, 'the registry before any model');
  assert.deepEqual(slmRequests(log), bases.map((e) => sitePath(e.file)), 'each model fetched once');
  const s = await asmState(page);
  assert.ok(s.fetches.length <= plan.planned_fetch_count && plan.planned_fetch_count <= 32, `${s.fetches.length} fetches`);
});

for (const [what, route] of [
  ['the plan binds another registry digest', async (page) => page.route('**/registry/module.plan.json', async (r) => {
    const p = JSON.parse(readFileSync(join(REG, 'module.plan.json'), 'utf8'));
    p.registry_sha256 = `sha256:${sha256Hex(Buffer.from('another registry'))}`;
    await r.fulfill({ status: 200, contentType: 'application/json', body: canonical(p) });
  })],
  ['the registry drifted (valid shape)', async (page) => page.route(`**/registry/${plan.registry}`, async (r) => {
    const reg = JSON.parse(readFileSync(join(REG, plan.registry), 'utf8'));
    reg.entries[0].bytes += 1;
    await r.fulfill({ status: 200, contentType: 'application/json', body: canonical(reg) });
  })],
]) {
  test(`runtime-manifest-drift (${what}): the boot halts before any .slm request`, async () => {
    const { page } = browser;
    // ?assemble=<id> assembles as soon as the boot allows: without drift, the model is requested.
    const query = `?assemble=${encodeURIComponent(stack.id)}`;
    const control = await openLogged(page, { query });
    await page.waitForFunction(() => window.tinyrustlmDemo.assembly.state.outcome);
    await idle(page);
    control.stop();
    assert.equal(slmRequests(control.log).length, 1, 'the control run requests the model');
    const { log, stop } = await openLogged(page, { route, query });
    const s = await asmState(page);
    assert.deepEqual([s.halted.name, s.halted.code], ['PlanRegistryDrift', 878]);
    assert.match(await page.textContent('#registry-state'), /^runtime-manifest-drift: PlanRegistryDrift \(878\): the registry's SHA-256 is sha256:[0-9a-f]{64}, the module plan binds/);
    assert.equal(await page.isDisabled('#assemble'), true);
    await page.waitForTimeout(200);
    stop();
    await page.unrouteAll({ behavior: 'wait' });
    assert.deepEqual(slmRequests(log), [], 'zero .slm requests');
    assert.deepEqual(s.fetches, ['/registry/module.plan.json', `/registry/${plan.registry}`]);
  });
}

/** Opens the page with the plan (and optionally the registry) replaced; returns the request log. */
async function openWith(page, { plan: p, planBytes, registry: reg }) {
  const r = await openLogged(page, { route: async (pg) => {
    await pg.route('**/registry/module.plan.json', (q) => q.fulfill({ status: 200, contentType: 'application/json', body: planBytes || canonical(p) }));
    if (reg) await pg.route(`**/registry/${plan.registry}`, (q) => q.fulfill({ status: 200, contentType: 'application/json', body: reg }));
  } });
  r.stop();
  await page.unrouteAll({ behavior: 'wait' });
  return r.log;
}
const freshPlan = () => JSON.parse(readFileSync(join(REG, 'module.plan.json'), 'utf8'));

// The suite's registry-profile vectors, as the browser sees them: a plan
// vector (target "plan", P1–P8) is served as the plan and the registry it
// names; a registry vector (R1–R15) is served with the valid plan re-bound to
// its digest, and the page must report exactly the vector's error when it is
// one of R1–R8 (the browser's part, [REG-VER-02]) and no R1–R8 error
// otherwise (R9–R15 need the ledger and the files: the tool's part).
const SUITE = join(REPO, 'vectors', 'suite');
const R_BROWSER = ['RegistryTooLarge', 'RegistryMalformed', 'RegistryDuplicateEntry', 'RegistryUnknownBase', 'StackTooDeep',
  'AdapterBudgetExceeded', 'AdmissionWithoutEvidence', 'AdmissionClaimMismatch'];
function registryVectors(target) {
  const dir = join(SUITE, 'cases', 'registry', target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.toml')).sort().map((f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    const files = Object.fromEntries([...text.match(/^files = \{(.*)\}$/m)[1].matchAll(/"([^"]+)" = "([^"]+)"/g)].map((m) => [m[1], m[2]]));
    const expect = text.match(/^expect = \{ (?:error = "(\w+)"|ok = true) \}$/m);
    return { id: text.match(/^id = "([^"]+)"/m)[1], files, error: expect[1] || null };
  });
}

test('the suite\'s plan and registry vectors: the page\'s boot reports each vector\'s error (P1–P8, R1–R8)', async () => {
  const { page } = browser;
  const plans = registryVectors('plan');
  const registries = registryVectors('registry');
  assert.ok(plans.length >= 10 && registries.length >= 10, 'the suite has registry-profile vectors');
  const validPlan = JSON.parse(readFileSync(join(SUITE, plans.find((v) => v.error === null).files['module.plan.json']), 'utf8'));
  const boot = async (planBytes, registryBytes) => {
    const log = await openWith(page, { plan: JSON.parse(planBytes), planBytes, registry: registryBytes });
    return { halted: (await asmState(page)).halted, log };
  };
  const seen = [];
  for (const v of plans) {
    const planBytes = readFileSync(join(SUITE, v.files['module.plan.json']));
    const { halted, log } = await boot(planBytes, readFileSync(join(SUITE, v.files['selector.registry.json'])));
    assert.equal(halted ? halted.name : null, v.error, `${v.id}: ${halted && halted.message}`);
    assert.deepEqual(slmRequests(log), [], v.id);
    seen.push(v.id);
  }
  for (const v of registries) {
    const regBytes = readFileSync(join(SUITE, v.files['selector.registry.json']));
    const p = { ...validPlan, registry_sha256: `sha256:${sha256Hex(regBytes)}` };
    const { halted } = await boot(Buffer.from(canonical(p)), regBytes);
    if (R_BROWSER.includes(v.error)) assert.equal(halted && halted.name, v.error, `${v.id}: ${halted && halted.message}`);
    else assert.ok(!halted || !R_BROWSER.includes(halted.name), `${v.id}: the page reports ${halted && halted.message}, the vector ${v.error || 'ok'}`);
    seen.push(v.id);
  }
  console.log(`registry vectors through the page's boot: ${seen.length} (${plans.length} plan, ${registries.length} registry)`);
});

test('budgets: a dishonest count, a plan over the envelope, and adapters one byte over the auto-apply budget each halt the boot with their code', async () => {
  const { page } = browser;
  // P5: a count that is not the plan's own.
  let p = freshPlan();
  p.planned_fetch_count += 1;
  let log = await openWith(page, { plan: p });
  assert.deepEqual([(await asmState(page)).halted.name, (await asmState(page)).halted.code], ['PlanCountMismatch', 879]);
  assert.deepEqual(slmRequests(log), []);
  // P6: an honest count over FETCH_ENVELOPE (the stack's item repeated until 33).
  p = freshPlan();
  const item = p.entries.find((e) => e.entry === stack.id);
  const files = item.modules.filter((m) => m.file !== null).length;
  while (p.planned_fetch_count <= 32) {
    p.entries.push(item);
    p.planned_fetch_count += files;
  }
  log = await openWith(page, { plan: p });
  const h = (await asmState(page)).halted;
  assert.deepEqual([h.name, h.code], ['FetchEnvelopeExceeded', 880], h.message);
  assert.deepEqual(slmRequests(log), []);
  // R6 (at P4): the stack's adapters one byte over ADAPTER_AUTO_APPLY_BUDGET, every digest re-bound.
  const reg = JSON.parse(bytesOf(plan.registry).toString('utf8'));
  const st = reg.entries.find((e) => e.id === stack.id);
  const others = st.adapters.slice(1).reduce((n, a) => n + a.bytes, 0);
  st.adapters[0].bytes = 1048576 + 1 - others;
  st.adapter_bytes = 1048576 + 1;
  const regBytes = Buffer.from(canonical(reg));
  p = freshPlan();
  p.registry_sha256 = `sha256:${sha256Hex(regBytes)}`;
  log = await openWith(page, { plan: p, registry: regBytes });
  const b = (await asmState(page)).halted;
  assert.deepEqual([b.name, b.code], ['AdapterBudgetExceeded', 869]);
  assert.match(b.message, /1,048,577 bytes, over the auto-apply budget of 1,048,576 bytes \(ADAPTER_AUTO_APPLY_BUDGET\)/);
  assert.deepEqual(registryRequests(log), ['/registry/module.plan.json', `/registry/${plan.registry}`], 'no module fetched');
});

test('quarantine: a quarantined stack and a drifted sidecar are rejected as evidence, and generation is disabled', async () => {
  const { page } = browser;
  assert.ok((registry.quarantined || []).length > 0, 'the registry lists a quarantined artifact');
  let r = await openLogged(page);
  const removed = await page.$$eval('#entry-select option', (os) => os.map((o) => o.value).filter((v) => v.startsWith('quarantined:')));
  const q = registry.quarantined.find((x) => x.entries.length > 0);
  assert.ok(q && removed.length > 0, 'an admitted entry was removed by quarantine');
  const s = await assemble(page, removed[0]);
  r.stop();
  assert.equal(s.outcome.ok, false);
  assert.match(await page.textContent('#assembly-result'), new RegExp(`^assembly evidence rejected: \\w+ \\(${q.reason}\\): ${q.entries[0].replace(/[+.]/g, '\\$&')} was removed by quarantine: `));
  assert.equal(await page.isDisabled('#generate'), true);
  assert.deepEqual(slmRequests(r.log), []);

  // One byte of the stack's first sidecar drifts in transit: its digest is not the admission's.
  const ev = stack.admission.evidence.find((v) => v.source_kind === 'runtime-smoke');
  r = await openLogged(page, { route: async (p) => p.route(`**${sitePath(ev.sidecar)}`, async (req) => {
    const b = Buffer.from(bytesOf(ev.sidecar));
    b[b.length - 2] = b[b.length - 2] === 0x31 ? 0x32 : 0x31;
    await req.fulfill({ status: 200, contentType: 'application/json', body: b });
  }) });
  const t = await assemble(page, stack.id);
  r.stop();
  await page.unrouteAll({ behavior: 'wait' });
  assert.equal(t.outcome.code, 'SidecarDigestMismatch');
  assert.match(await page.textContent('#assembly-result'), /^assembly evidence rejected: SidecarDigestMismatch \(862\): /);
  assert.equal(t.phases['verify-assembly-evidence'], 'failed');
  assert.equal(await page.isDisabled('#generate'), true);
  assert.equal((await page.evaluate(() => window.tinyrustlmDemo.state.diag)).model_loaded, false, 'nothing of the refused assembly stays loaded');

  // A consistent sidecar whose claim the gate refuses: a runtime-smoke file with one
  // honestly failed case that still claims runtime-smoke, every digest re-bound to it.
  const sc = JSON.parse(bytesOf(ev.sidecar).toString('utf8'));
  assert.equal(sc.source_kind, 'runtime-smoke');
  sc.cases[0].actual = sc.cases[0].expected.replace(/^[\s\S]/, (c) => (c === 'x' ? 'y' : 'x')) || 'x'; // now differs from expected
  assert.notEqual(sc.cases[0].actual, sc.cases[0].expected);
  sc.cases[0].pass = false;
  sc.counts = { cases: sc.cases.length, failed: sc.cases.filter((c) => !c.pass).length, passed: sc.cases.filter((c) => c.pass).length };
  const forged = Buffer.from(canonical(sc));
  const forgedSha = `sha256:${sha256Hex(forged)}`;
  const reg = JSON.parse(bytesOf(plan.registry).toString('utf8'));
  const item = reg.entries.find((e) => e.id === stack.id).admission.evidence.find((v) => v.sidecar === ev.sidecar);
  item.sidecar_sha256 = forgedSha;
  item.passed = sc.counts.passed;
  const regBytes = Buffer.from(canonical(reg));
  const pl = JSON.parse(bytesOf('module.plan.json').toString('utf8'));
  pl.registry_sha256 = `sha256:${sha256Hex(regBytes)}`;
  const mod = pl.entries.find((e) => e.entry === stack.id).modules.find((m) => m.file === ev.sidecar);
  mod.sha256 = forgedSha;
  mod.bytes = forged.length;
  r = await openLogged(page, { route: async (p) => {
    await p.route('**/registry/module.plan.json', (q) => q.fulfill({ status: 200, contentType: 'application/json', body: canonical(pl) }));
    await p.route(`**/registry/${plan.registry}`, (q) => q.fulfill({ status: 200, contentType: 'application/json', body: regBytes }));
    await p.route(`**${sitePath(ev.sidecar)}`, (q) => q.fulfill({ status: 200, contentType: 'application/json', body: forged }));
  } });
  const u = await assemble(page, stack.id);
  r.stop();
  await page.unrouteAll({ behavior: 'wait' });
  assert.equal(u.outcome.code, 'SidecarClaimMismatch', u.outcome.message);
  assert.match(await page.textContent('#assembly-result'), /^assembly evidence rejected: SidecarClaimMismatch \(827\): .*the sidecar claims runtime-smoke, the gate gives none/);
  assert.equal(await page.isDisabled('#generate'), true);
  assert.ok(!r.log.some((p) => p.endsWith('.asp1')), 'no adapter fetched after rejected evidence');
});

test('quarantine: the registry edited to list the quarantined stack again: the drifted sidecar fails as fetched', async () => {
  const { page } = browser;
  // Rebuild the removed entry from the files on disk: its sidecars (named by its id),
  // its adapters (found by the digests its sidecar names), the quarantined file as recorded.
  const q = registry.quarantined.find((x) => x.entries.length > 0);
  const id = q.entries[0];
  const base = registry.entries.find((e) => e.kind === 'base' && id.startsWith(`${e.id}+`));
  const sidecars = ['smoke', 'task'].map((k) => `sidecar/${id}.${k}.sidecar.json`).filter((f) => existsSync(join(REG, f)));
  assert.ok(sidecars.includes(q.file), `${q.file} is one of ${id}'s sidecars`);
  const model = JSON.parse(bytesOf(sidecars.find((f) => f !== q.file) || q.file).toString('utf8')).model;
  const packages = readdirSync(REG).filter((f) => /\.(adp1|asp1|alr1)$/.test(f)).map((f) => ({ f, sha256: `sha256:${sha256Hex(bytesOf(f))}` }));
  const adapters = model.adapters.map((d) => {
    const f = packages.find((x) => x.sha256 === d).f;
    return { bytes: bytesOf(f).length, file: f, format: bytesOf(f).subarray(0, 4).toString('latin1'), sha256: d };
  });
  const evidence = sidecars.map((f) => {
    const sc = JSON.parse(bytesOf(f).toString('utf8'));
    return { cases: sc.counts.cases, claim: sc.claim, eval_case_evidence_checksum: sc.eval_case_evidence_checksum, passed: sc.counts.passed,
      sidecar: f, sidecar_sha256: f === q.file ? q.sha256 : `sha256:${sha256Hex(bytesOf(f))}`, source_kind: sc.source_kind };
  });
  const strongestClaim = evidence.map((v) => v.claim).reduce((a, b) => (['none', 'runtime-smoke', 'task-quality'].indexOf(b) > ['none', 'runtime-smoke', 'task-quality'].indexOf(a) ? b : a), 'none');
  const entry = {
    adapter_bytes: adapters.reduce((n, x) => n + x.bytes, 0), adapters, admission: { claim: strongestClaim, evidence },
    assembly_checksum: hex8(assemblyChecksum(base.file, adapters.map((x) => x.file))), base: base.id, id, kind: 'stack',
  };
  assert.equal(entry.assembly_checksum, model.assembly_checksum, 'the checksum the sidecar recorded');
  const reg = JSON.parse(bytesOf(plan.registry).toString('utf8'));
  reg.entries.push(entry);
  const regBytes = Buffer.from(canonical(reg));
  const p = freshPlan();
  const mods = [
    { bytes: base.bytes, file: base.file, phase: 'load-model-bytes', sha256: base.sha256 },
    { bytes: null, file: null, phase: 'verify-model-manifest', sha256: null },
    ...evidence.map((v) => ({ bytes: bytesOf(v.sidecar).length, file: v.sidecar, phase: 'verify-assembly-evidence', sha256: v.sidecar_sha256 })),
    { bytes: null, file: null, phase: 'verify-adapter-family', sha256: null },
    ...adapters.map((x, k) => ({ bytes: x.bytes, file: x.file, phase: `apply-adapter-stack-${k}`, sha256: x.sha256 })),
  ].map((m, index) => ({ ...m, index }));
  p.entries.push({ entry: id, modules: mods });
  p.planned_fetch_count += mods.filter((m) => m.file).length;
  p.registry_sha256 = `sha256:${sha256Hex(regBytes)}`;
  const r = await openLogged(page, { route: async (pg) => {
    await pg.route('**/registry/module.plan.json', (x) => x.fulfill({ status: 200, contentType: 'application/json', body: canonical(p) }));
    await pg.route(`**/registry/${plan.registry}`, (x) => x.fulfill({ status: 200, contentType: 'application/json', body: regBytes }));
  } });
  const st = await asmState(page);
  assert.equal(st.booted, true, st.halted && st.halted.message);
  const t = await assemble(page, id);
  r.stop();
  await page.unrouteAll({ behavior: 'wait' });
  assert.equal(t.outcome.code, 'SidecarDigestMismatch', t.outcome.message);
  assert.match(await page.textContent('#assembly-result'), new RegExp(`^assembly evidence rejected: SidecarDigestMismatch \\(862\\): module \\d+ \\(${q.file.replace(/[+.]/g, '\\$&')}\\)`));
  assert.equal(t.phases['verify-assembly-evidence'], 'failed');
  assert.equal(await page.isDisabled('#generate'), true);
  assert.ok(!r.log.some((x) => /\.(adp1|asp1|alr1)$/.test(x)), 'no adapter fetched');
});

test('step-token: disabled before a context, continues the transcript, the diagnostic counters count', async () => {
  const { page } = browser;
  await openLogged(page);
  const s = await assemble(page, stack.id);
  assert.equal(s.outcome.ok, true);
  assert.equal(await page.isDisabled('#step'), true, 'no context yet');
  const prompt = 'ROMEO.';
  const before = await generate(page, prompt, 4);
  let d = await page.evaluate(() => window.tinyrustlmDemo.state.diag);
  const [kv0, gen0] = [d.context.kv_length, d.context.generated_tokens];
  assert.equal(gen0, 4);
  for (let i = 1; i <= 3; i++) {
    assert.equal(await page.isDisabled('#step'), false);
    await page.click('#step');
    await idle(page);
    d = await page.evaluate(() => window.tinyrustlmDemo.state.diag);
    assert.equal(d.context.generated_tokens, gen0 + i);
    assert.equal(d.context.kv_length, kv0 + i);
  }
  const stepped = await page.evaluate(() => [...document.querySelectorAll('#transcript .gen')].pop().textContent);
  assert.ok(stepped.startsWith(before) && stepped.length > before.length, 'the steps continue the same run');
  // [GEN-STEP-01]: generate(p, 4) + 3 steps = generate(p, 7), on the assembled weights.
  assert.equal(await generate(page, prompt, 7), stepped);
  assert.equal((await page.evaluate(() => window.tinyrustlmDemo.state.diag)).adapters.assembly_checksum, stack.assembly_checksum, 'generation keeps the assembly');
});

const SOAK = Number(process.env.REGISTRY_SOAK_CYCLES || 24);
test(`soak: ${SOAK} assembly → generate → reset cycles with flat memory`, { timeout: 170_000 }, async () => {
  const { page } = browser;
  await openLogged(page);
  const cdp = await page.context().newCDPSession(page);
  const q4 = registry.entries.find((e) => e.kind === 'base' && quantOf(e) === 'q4_0');
  const order = [stack, q4];
  const outputs = {};
  const wasm = [];
  const heap = [];
  const backing = [];
  const started = Date.now();
  for (let i = 0; i < SOAK; i++) {
    const e = order[i % order.length];
    const s = await assemble(page, e.id);
    assert.equal(s.outcome.ok, true, `cycle ${i}: ${s.outcome.message}`);
    const out = await generate(page, 'To be, or not to be', 12);
    outputs[e.id] ??= out;
    assert.equal(out, outputs[e.id], `cycle ${i}: the same assembly generates the same text`);
    await page.click('#reset');
    await idle(page);
    await page.click('#clear');
    assert.equal((await page.evaluate(() => window.tinyrustlmDemo.state.diag)).context.kv_length, 0);
    wasm.push(await page.evaluate(() => window.tinyrustlmDemo.state.memoryBytes));
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage'); // the page's heap; the runtime's memory is the worker's
    heap.push(h.usedSize);
    backing.push(h.backingStorageSize ?? 0); // ArrayBuffers: the verified module bytes live here

  }
  const seconds = (Date.now() - started) / 1000;
  const warm = 4;
  const s = await asmState(page);
  console.log(`registry soak: ${SOAK} cycles in ${seconds.toFixed(1)} s; WebAssembly memory ${order.map((e, k) => `${e.id} ${wasm[warm + k]}`).join(', ')} bytes; ` +
    `page JS heap after GC: cycle ${warm} ${heap[warm]} bytes, last ${heap[SOAK - 1]}, max after warm-up ${Math.max(...heap.slice(warm))}; ` +
    `ArrayBuffer backing stores: cycle ${warm} ${backing[warm]} bytes, last ${backing[SOAK - 1]}, max after warm-up ${Math.max(...backing.slice(warm))}; fetches ${s.fetches.length}`);
  wasm.slice(warm).forEach((m, i) => assert.equal(m, wasm[warm - order.length + ((warm + i) % order.length)], `cycle ${warm + i}: WebAssembly memory`));
  // Flat: the heap after GC never grows by more than 1 MiB over its value after warm-up
  // (one cycle moves ~3.6 MB of model and adapter bytes through it).
  heap.slice(warm).forEach((h, i) => assert.ok(h <= heap[warm] + 1048576, `cycle ${warm + i}: JS heap ${h} bytes, ${heap[warm]} after warm-up`));
  backing.slice(warm).forEach((b, i) => assert.ok(b <= backing[warm] + 1048576, `cycle ${warm + i}: ArrayBuffers ${b} bytes, ${backing[warm]} after warm-up`));
  assert.ok(s.fetches.length <= plan.planned_fetch_count, 'verified modules are not fetched again');
});
