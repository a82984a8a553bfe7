// A stand-in selector registry for the browser tests, in the formats of
// issue 16's contract (module plan, registry, sidecars), for sites built
// without models/registry/ (reg16's demo content). It is test data, and says
// so: the sidecars' cases are synthetic ("web-test-fixture"), not an
// evaluation; digests, sizes, identities and the assembly checksum are real
// (computed here from the bytes, independently of the page).
//
//   node web/tests/registry-fixture.mjs OUT_DIR      (web/tests/run: OUT_DIR = target/web-site/registry)
//
// Adapters come from `slm adapter build --kind sparse` over models/bard's
// bred children (bard-comedy-q8_0, bard-tragedy-q8_0 against bard-q8_0).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, canonical, sha256Hex, crc32cOf, identityOf } from './lib.mjs';

const BARD = join(REPO, 'models', 'bard');
const SLM = join(REPO, 'target', 'debug', 'slm');

export function buildFixture(out) {
  mkdirSync(join(out, 'sidecar'), { recursive: true });
  if (!existsSync(SLM)) execFileSync('cargo', ['build', '--quiet', '-p', 'tinyrustlm-tools', '--bin', 'slm'], { cwd: REPO, stdio: 'inherit' });
  const file = (name) => readFileSync(join(out, name));
  const artifact = (name) => {
    const b = file(name);
    return { file: name, sha256: `sha256:${sha256Hex(b)}`, bytes: b.length };
  };
  for (const q of ['q8_0', 'q4_0', 'f32']) copyFileSync(join(BARD, `bard-${q}.slm`), join(out, `bard-${q}.slm`));
  for (const child of ['comedy', 'tragedy', 'milton']) {
    execFileSync(SLM, ['adapter', 'build', '--kind', 'sparse', '--keep-ppm', '10000', '-o', join(out, `${child}.asp1`),
      join(BARD, 'bard-q8_0.slm'), join(BARD, `bard-${child}-q8_0.slm`)], { stdio: 'ignore' });
  }

  // Synthetic eval cases: the digest is over their canonical lines, header first.
  const caseDigest = (header, cases) => `sha256:${sha256Hex(Buffer.from([header, ...cases].map((c) => `${canonical(c)}\n`).join('')))}`;
  const smokeCases = [
    { expected: 'fixture', id: 'fixture-1', match: 'exact', max_tokens: 1, prompt: { text: 'a' }, sampling: { kind: 'greedy' } },
    { expected: 'fix', id: 'fixture-2', match: 'prefix', max_tokens: 1, prompt: { text: 'b' }, sampling: { kind: 'greedy' } },
  ];
  const taskCases = [
    ['hamlet-1', 'To be, or not to be,', ' that is the question:', ' and the king is dead.'],
    ['richard-1', 'Now is the winter of our', ' discontent', ' discontent'],
    ['milton-1', 'Of Man\'s first', ' disobedience, and the fruit', ' and of the world,'],
    ['romeo-1', 'But, soft! what light through yonder', ' window breaks?', ' window breaks?'],
    ['caesar-1', 'Friends, Romans,', ' countrymen, lend me your ears;', ' and the rest'],
  ];
  const sidecar = (model, sourceKind, rows, name) => {
    const header = { format: 'slm-eval-cases/1', quality_scope: 'web-test-fixture', source_kind: sourceKind };
    const cases = rows.map((r) => ({ actual: r.actual, expected: r.expected, id: r.id, pass: r.pass }));
    const passed = cases.filter((c) => c.pass).length;
    const claim = sourceKind === 'runtime-smoke' ? (passed === cases.length ? 'runtime-smoke' : 'none') : 'runtime-smoke';
    const doc = {
      cases,
      claim,
      counts: { cases: cases.length, failed: cases.length - passed, passed },
      eval_case_evidence_checksum: caseDigest(header, rows.map((r) => r.caseRow)),
      format: 'slm-eval-sidecar/1',
      implementation: { name: 'web-test-fixture', version: '0' },
      model,
      quality_scope: 'web-test-fixture',
      source_kind: sourceKind,
    };
    name = name.replace(/\+/g, '_'); // [REG-PATH-01]: no '+' in a path segment
    writeFileSync(join(out, 'sidecar', name), canonical(doc));
    const a = artifact(`sidecar/${name}`);
    return {
      module: a,
      evidence: { cases: cases.length, claim, eval_case_evidence_checksum: doc.eval_case_evidence_checksum, passed, sidecar: a.file, sidecar_sha256: a.sha256, source_kind: sourceKind },
    };
  };
  const smokeRows = smokeCases.map((c) => ({ id: c.id, expected: c.expected, actual: 'fixture', pass: true, caseRow: c }));
  const taskRows = taskCases.map(([id, prompt, expected, actual]) => ({
    id, expected, actual, pass: actual === expected,
    caseRow: { expected, id, match: 'exact', max_tokens: 8, prompt: { text: prompt }, sampling: { kind: 'greedy' } },
  }));

  const entries = [];
  const planEntries = [];
  const bases = {};
  for (const q of ['q8_0', 'q4_0', 'f32']) {
    const id = `bard-${q}`;
    const a = artifact(`${id}.slm`);
    const identity = identityOf(file(a.file));
    bases[id] = { ...a, identity };
    const smoke = sidecar({ adapters: [], assembly_checksum: null, identity, sha256: a.sha256 }, 'runtime-smoke', smokeRows, `${id}.smoke.sidecar.json`);
    entries.push({ admission: { claim: 'runtime-smoke', evidence: [smoke.evidence] }, bytes: a.bytes, file: a.file, id, identity, kind: 'base', sha256: a.sha256 });
    planEntries.push({ entry: id, modules: [
      { index: 0, phase: 'load-model-bytes', ...a },
      { bytes: null, file: null, index: 1, phase: 'verify-model-manifest', sha256: null },
      { index: 2, phase: 'verify-assembly-evidence', ...smoke.module },
    ] });
  }
  const stack = (id, names) => {
    const base = bases['bard-q8_0'];
    const adapters = names.map((n) => ({ ...artifact(`${n}.asp1`), format: 'ASP1' }));
    let checksum = file(base.file).readUInt32LE(12);
    for (const ad of adapters) checksum = crc32cOf(Buffer.concat([le32(checksum), le32(file(ad.file).readUInt32LE(12))]));
    const assembly = `0x${checksum.toString(16).padStart(8, '0')}`;
    const model = { adapters: adapters.map((x) => x.sha256), assembly_checksum: assembly, identity: base.identity, sha256: base.sha256 };
    const smoke = sidecar(model, 'runtime-smoke', smokeRows, `${id}.smoke.sidecar.json`);
    const task = sidecar(model, 'task-eval', taskRows, `${id}.task.sidecar.json`);
    return {
      entry: {
        adapter_bytes: adapters.reduce((n, x) => n + x.bytes, 0), adapters, admission: { claim: 'runtime-smoke', evidence: [smoke.evidence, task.evidence] },
        assembly_checksum: assembly, base: 'bard-q8_0', id, kind: 'stack',
      },
      plan: { entry: id, modules: [
        { index: 0, phase: 'load-model-bytes', file: base.file, sha256: base.sha256, bytes: base.bytes },
        { bytes: null, file: null, index: 1, phase: 'verify-model-manifest', sha256: null },
        { index: 2, phase: 'verify-assembly-evidence', ...smoke.module },
        { index: 3, phase: 'verify-assembly-evidence', ...task.module },
        { bytes: null, file: null, index: 4, phase: 'verify-adapter-family', sha256: null },
        ...adapters.map((x, k) => ({ bytes: x.bytes, file: x.file, index: 5 + k, phase: `apply-adapter-stack-${k}`, sha256: x.sha256 })),
      ] },
    };
  };
  const good = stack('bard-q8_0+comedy+tragedy', ['comedy', 'tragedy']);
  entries.push(good.entry);
  planEntries.push(good.plan);
  // The quarantined stack: its smoke sidecar drifted by one byte after admission.
  const bad = stack('bard-q8_0+milton', ['milton']);
  const drifted = join(out, 'sidecar', 'bard-q8_0_milton.smoke.sidecar.json');
  writeFileSync(drifted, readFileSync(drifted, 'utf8').replace('"passed":2', '"passed":3'));
  // [REG-QUA-01]: the drifted sidecar is quarantined (SidecarDigestMismatch, 862) and removes its entry.
  const sc = bad.entry.admission.evidence[0];
  const quarantined = [{ entries: [bad.entry.id], file: sc.sidecar, reason: 862, sha256: sc.sidecar_sha256 }];

  const registry = { entries, format: 'slm-selector-registry/1', ledger_head: `sha256:${'0'.repeat(64)}`, quarantined };
  writeFileSync(join(out, 'selector.registry.json'), canonical(registry));
  const withFile = planEntries.reduce((n, e) => n + e.modules.filter((m) => m.file !== null).length, 0);
  const plan = {
    adapter_auto_apply_budget: 1048576, entries: planEntries, fetch_envelope: 32, format: 'slm-module-plan/1',
    planned_fetch_count: withFile + 2, registry: 'selector.registry.json', registry_sha256: artifact('selector.registry.json').sha256,
  };
  writeFileSync(join(out, 'module.plan.json'), canonical(plan));
  return { entries: entries.length, plannedFetchCount: plan.planned_fetch_count };
}

function le32(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

if (process.argv[1] && process.argv[1].endsWith('registry-fixture.mjs')) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node registry-fixture.mjs OUT_DIR');
  const r = buildFixture(out);
  console.log(`registry fixture in ${out}: ${r.entries} entries, ${r.plannedFetchCount} planned fetches`);
}
