// A stand-in selector registry for the browser tests, in spec/registry.md's
// formats (module plan, registry), for sites built without models/registry/
// (reg16's demo content, built with `slm registry build` from a ledger). The
// registry and plan are written here, not by the tool, and no ledger exists
// (`ledger_head` is the empty chain's); everything they bind is real:
// digests, sizes and identities computed from the bytes, the assembly
// checksum ([ADP-STATE-02]) computed here and checked against `slm eval`'s,
// and every sidecar written by `slm eval` (the bases' are models/bard/eval's).
//
//   node web/tests/registry-fixture.mjs OUT_DIR      (web/tests/run: OUT_DIR = target/web-site/registry)
//
// Entries: bard-q8_0, bard-q4_0, bard-f32; bard-q8_0+comedy+tragedy, two
// sparse packages from `slm adapter build --kind sparse` over the bred
// children; and bard-q8_0+milton, quarantined because its smoke sidecar
// drifted by one byte after it was evaluated (SidecarDigestMismatch, 862).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, canonical, sha256Hex, crc32cOf, identityOf } from './lib.mjs';

const BARD = join(REPO, 'models', 'bard');
const SLM = join(REPO, 'target', 'debug', 'slm');

export function buildFixture(out) {
  mkdirSync(join(out, 'sidecar'), { recursive: true });
  // `slm eval` is needed: build the current slm (a no-op when it is up to date).
  execFileSync('cargo', ['build', '--quiet', '--locked', '-p', 'tinyrustlm-tools', '--bin', 'slm'], { cwd: REPO, stdio: 'inherit' });
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

  // Sidecars from `slm eval` (spec/evaluation.md): the bases' are models/bard/eval's,
  // committed by eval16; a stack's are run here with its adapters applied, its
  // smoke cases recorded from its own output as models/bard/eval/run.sh does.
  const EVAL = join(BARD, 'eval');
  const tmp = mkdtempSync(join(tmpdir(), 'web16-fixture-'));
  const evidence = (rel) => {
    const sc = JSON.parse(readFileSync(join(out, rel), 'utf8'));
    const a = artifact(rel);
    return {
      module: a,
      evidence: { cases: sc.counts.cases, claim: sc.claim, eval_case_evidence_checksum: sc.eval_case_evidence_checksum, passed: sc.counts.passed, sidecar: a.file, sidecar_sha256: a.sha256, source_kind: sc.source_kind },
    };
  };
  const evalStack = (name, adapterFiles, withTask) => {
    const model = join(out, 'bard-q8_0.slm');
    const adapterArgs = adapterFiles.flatMap((f) => ['--adapter', join(out, f)]);
    const run = (cases, o) => execFileSync(SLM, ['eval', cases, model, ...adapterArgs, '-o', o], { stdio: ['ignore', 'ignore', 'inherit'] });
    const rec = join(tmp, `${name}.record.cases.jsonl`);
    execFileSync('python3', [join(EVAL, 'smoke.py'), 'record', rec]);
    run(rec, join(tmp, `${name}.record.json`));
    const smokeCases = join(out, 'sidecar', `${name}.smoke.cases.jsonl`);
    execFileSync('python3', [join(EVAL, 'smoke.py'), 'freeze', rec, join(tmp, `${name}.record.json`), smokeCases, name]);
    run(smokeCases, join(out, 'sidecar', `${name}.smoke.sidecar.json`));
    if (withTask) run(join(EVAL, 'task.cases.jsonl'), join(out, 'sidecar', `${name}.task.sidecar.json`));
  };

  const entries = [];
  const planEntries = [];
  const bases = {};
  for (const q of ['q8_0', 'q4_0', 'f32']) {
    const id = `bard-${q}`;
    const a = artifact(`${id}.slm`);
    const identity = identityOf(file(a.file));
    bases[id] = { ...a, identity };
    const evs = ['smoke', 'task'].map((kind) => {
      copyFileSync(join(EVAL, `${id}.${kind}.sidecar.json`), join(out, 'sidecar', `${id}.${kind}.sidecar.json`));
      return evidence(`sidecar/${id}.${kind}.sidecar.json`);
    });
    entries.push({ admission: { claim: strongest(evs), evidence: evs.map((e) => e.evidence) }, bytes: a.bytes, file: a.file, id, identity, kind: 'base', sha256: a.sha256 });
    planEntries.push({ entry: id, modules: [
      { index: 0, phase: 'load-model-bytes', ...a },
      { bytes: null, file: null, index: 1, phase: 'verify-model-manifest', sha256: null },
      ...evs.map((e, k) => ({ index: 2 + k, phase: 'verify-assembly-evidence', ...e.module })),
    ] });
  }
  const stack = (id, names, withTask = true) => {
    const base = bases['bard-q8_0'];
    const adapters = names.map((n) => ({ ...artifact(`${n}.asp1`), format: 'ASP1' }));
    let checksum = file(base.file).readUInt32LE(12);
    for (const ad of adapters) checksum = crc32cOf(Buffer.concat([le32(checksum), le32(file(ad.file).readUInt32LE(12))]));
    const assembly = `0x${checksum.toString(16).padStart(8, '0')}`;
    const name = id; // [REG-PATH-01] allows '+' in a segment: the sidecars are named by the stack's id
    evalStack(name, adapters.map((x) => x.file), withTask);
    const evs = (withTask ? ['smoke', 'task'] : ['smoke']).map((kind) => evidence(`sidecar/${name}.${kind}.sidecar.json`));
    const sc = JSON.parse(readFileSync(join(out, evs[0].module.file), 'utf8'));
    if (sc.model.assembly_checksum !== assembly) throw new Error(`${id}: slm eval reports ${sc.model.assembly_checksum}, computed here ${assembly}`);
    return {
      entry: {
        adapter_bytes: adapters.reduce((n, x) => n + x.bytes, 0), adapters, admission: { claim: strongest(evs), evidence: evs.map((e) => e.evidence) },
        assembly_checksum: assembly, base: 'bard-q8_0', id, kind: 'stack',
      },
      plan: { entry: id, modules: [
        { index: 0, phase: 'load-model-bytes', file: base.file, sha256: base.sha256, bytes: base.bytes },
        { bytes: null, file: null, index: 1, phase: 'verify-model-manifest', sha256: null },
        ...evs.map((e, k) => ({ index: 2 + k, phase: 'verify-assembly-evidence', ...e.module })),
        { bytes: null, file: null, index: 2 + evs.length, phase: 'verify-adapter-family', sha256: null },
        ...adapters.map((x, k) => ({ bytes: x.bytes, file: x.file, index: 3 + evs.length + k, phase: `apply-adapter-stack-${k}`, sha256: x.sha256 })),
      ] },
    };
  };
  const good = stack('bard-q8_0+comedy+tragedy', ['comedy', 'tragedy']);
  entries.push(good.entry);
  planEntries.push(good.plan);
  // The quarantined stack: its smoke sidecar drifted by one byte after admission.
  const bad = stack('bard-q8_0+milton', ['milton'], false);
  const drifted = join(out, 'sidecar', 'bard-q8_0+milton.smoke.sidecar.json');
  const before = readFileSync(drifted);
  writeFileSync(drifted, before.toString('utf8').replace('"passed":5', '"passed":4'));
  if (readFileSync(drifted).equals(before)) throw new Error('the quarantined sidecar did not drift');
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
  rmSync(tmp, { recursive: true, force: true });
  return { entries: entries.length, plannedFetchCount: plan.planned_fetch_count };
}

const RANK = { none: 0, 'runtime-smoke': 1, 'task-quality': 2 };
/** [REG-CLAIM-01]: the strongest claim of the evidence. */
const strongest = (evs) => evs.map((e) => e.evidence.claim).reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'none');

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
