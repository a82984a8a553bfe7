// Assembly from the selector registry (issue 16): the page fetches the module
// plan before any model, then the registry (its SHA-256 must be the plan's:
// otherwise "runtime-manifest-drift" and no .slm is ever requested), and
// assembles one entry by walking its modules in index order through the six
// phases, verifying every module's bytes and SHA-256 as fetched, the
// entry's evidence (sidecar digests, the model they name, the quality gate
// recomputed here), and then validating and applying each adapter through
// the runtime, whose assembly checksum must equal the registry's.
// Formats and check orders: spec/registry.md (§3.3 R1–R8, §4 P1–P8, [REG-VER-02])
// and spec/evaluation.md (§4 the sidecar, §5 the gate). Shares app.js's
// globals (state, request, loadIntoRuntime, sha256, …).
'use strict';

// Named limits (spec/limits.md, registry profile).
const FETCH_ENVELOPE = 32; // files one boot may fetch: the plan, the registry and every module
const ADAPTER_AUTO_APPLY_BUDGET = 1048576; // adapter_bytes of one stack
const MAX_PLAN_BYTES = 1048576;
const MAX_REGISTRY_BYTES = 1048576;
const MAX_REGISTRY_ENTRIES = 64;
const MAX_EVIDENCE = 8;
const MAX_STACK_ADAPTERS = 2;
const MAX_PATH_BYTES = 255;
const MAX_EVIDENCE_BYTES = 16777216; // a sidecar
const MODEL_BYTE_BUDGET_BYTES = 33554432;
const ADAPTER_BYTE_BUDGET_BYTES = 1048576;
// Error codes of spec/errors.md (registry 850–899, evaluation 800–849) the page reports.
const CODES = {
  ModelDigestMismatch: 859, AdapterDigestMismatch: 860, SidecarDigestMismatch: 862, EvidenceMismatch: 863,
  RegistryTooLarge: 864, RegistryMalformed: 865, RegistryDuplicateEntry: 866, RegistryUnknownBase: 867,
  StackTooDeep: 868, AdapterBudgetExceeded: 869, AdmissionWithoutEvidence: 870, AdmissionClaimMismatch: 871,
  AssemblyChecksumMismatch: 874, IdentityMismatch: 875, PlanTooLarge: 876, PlanMalformed: 877,
  PlanRegistryDrift: 878, PlanCountMismatch: 879, FetchEnvelopeExceeded: 880, PlanOutOfOrder: 881,
  PlanRegistryMismatch: 882, QuarantinedDependency: 883,
  SidecarMalformed: 820, SidecarNotCanonical: 821, SidecarPassMismatch: 825, SidecarCountsMismatch: 826,
  SidecarClaimMismatch: 827,
};
const codeName = (code) => Object.keys(CODES).find((k) => CODES[k] === code) || errorName(code);
const PLAN_URL = 'registry/module.plan.json';
const PLAN_FORMAT = 'slm-module-plan/1';
const REGISTRY_FORMAT = 'slm-selector-registry/1';
const SIDECAR_FORMAT = 'slm-eval-sidecar/1';
const PHASES = [
  'load-model-bytes', 'verify-model-manifest', 'verify-assembly-evidence',
  'verify-adapter-family', 'apply-adapter-stack-0', 'apply-adapter-stack-1',
];
const CLAIM_RANK = { none: 0, 'runtime-smoke': 1, 'task-quality': 2 };
const ADAPTER_MAGIC = { ADP1: 'ADP1', ASP1: 'ASP1', ALR1: 'ALR1' };

const ax = {
  panel: $('assembly-panel'), registryState: $('registry-state'), entry: $('entry-select'), assemble: $('assemble'),
  entryDescription: $('entry-description'), phases: $('phases'), modules: document.querySelector('#module-bytes tbody'),
  result: $('assembly-result'), adapterFile: $('adapter-file'), applied: $('applied'), checksum: $('assembly-checksum'),
  evidence: $('evidence'),
};

/** What the assembly knows; tests read it as window.tinyrustlmDemo.assembly. */
const asm = {
  booted: false,
  halted: null, // { code, message } when the boot refused the plan or the registry
  plan: null,
  planUrl: null,
  registry: null,
  registryUrl: null,
  fetches: [], // every URL this file fetched, in order
  verified: new Map(), // sha256 hex -> verified bytes (fetched once per page)
  entry: null, // the entry being / last assembled
  phases: {}, // phase -> pending | running | done | failed | skipped
  modules: [], // one row per module: { index, phase, file, planned, actual, sha256: ok | mismatch | …, reused }
  outcome: null, // { ok, code, message }
  applied: [], // { name, source: registry | local, sha256, bytes, format, checksumAfter }
  evidence: [], // { file, sidecar, recomputed, problems }
};

/** A refused boot or assembly: `name` is the spec's error name, `code` its number. */
class Refusal extends Error {
  constructor(name, message, prefix = '') {
    super(`${prefix}${name} (${CODES[name]}): ${message}`);
    this.name = name;
    this.code = CODES[name];
  }
}
const evidenceRejected = (name, message) => new Refusal(name, message, 'assembly evidence rejected: ');

// ---------------------------------------------------------------------------
// Canonical JSON (spec/breeding.md [BRD-REC-01], RFC 8785 subset): used to
// check that a sidecar is written canonically, so its digest is the one every
// writer gets.

function canonical(v) {
  if (v === null || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
}

const utf8Text = new TextDecoder('utf-8', { fatal: true });
const digestOf = (hexDigest) => `sha256:${hexDigest}`;

// ---------------------------------------------------------------------------
// The quality gate (spec/evaluation.md), recomputed from the sidecar's cases.

/** Whether a case's recorded pass is what its match rule gives. */
function casePassHolds(c) {
  if (typeof c.actual !== 'string' || typeof c.expected !== 'string' || typeof c.pass !== 'boolean') return false;
  if (c.match === 'exact') return c.pass === (c.actual === c.expected);
  if (c.match === 'prefix') return c.pass === c.actual.startsWith(c.expected);
  // No rule recorded: a pass must at least be a prefix match, a failure no exact match.
  return c.pass ? c.actual.startsWith(c.expected) : c.actual !== c.expected;
}

// [EVAL-GATE-04]
const PLACEHOLDER_SCOPES = new Set(['none', 'n/a', 'na', 'unspecified', 'unknown', 'example', 'test', 'scope', 'default']);
function isPlaceholderScope(scope) {
  if (typeof scope !== 'string') return true;
  const s = scope.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[A-Z]/g, (c) => c.toLowerCase());
  return s === '' || s.startsWith('placeholder') || s.startsWith('todo') || s.startsWith('tbd') || PLACEHOLDER_SCOPES.has(s);
}

/**
 * The gate of spec/evaluation.md §5 over a sidecar, with verification's V8–V10
 * (the page has no case file, so a case's match rule is unknown: see
 * casePassHolds). Returns { claim, passed, failed, cases, problem } where
 * problem is the first failure as [name, text], or null.
 */
function gate(sc) {
  const cases = sc.cases;
  const passed = cases.filter((c) => c.pass === true).length;
  const failed = cases.length - passed;
  let problem = null;
  const wrong = cases.find((c) => !casePassHolds(c));
  const counts = sc.counts;
  if (wrong) problem = ['SidecarPassMismatch', `case ${wrong.id}: pass ${wrong.pass} is not what matching expected and actual gives`];
  else if (counts.cases !== cases.length || counts.passed !== passed || counts.failed !== failed) {
    problem = ['SidecarCountsMismatch', `counts say ${counts.passed}/${counts.cases} passed, the cases ${passed}/${cases.length}`];
  }
  const q35 = cases.length > 0 && failed === 0 && !wrong; // Q3, Q4, Q5
  let claim = 'none';
  if (sc.source_kind === 'task-eval' && !isPlaceholderScope(sc.quality_scope) && q35) claim = 'task-quality'; // [EVAL-GATE-01]
  else if (sc.source_kind === 'task-eval' || q35) claim = 'runtime-smoke'; // [EVAL-GATE-02]: the run completed
  if (!problem && claim !== sc.claim) problem = ['SidecarClaimMismatch', `the sidecar claims ${sc.claim}, the gate gives ${claim}`];
  return { claim, passed, failed, cases: cases.length, problem };
}

// ---------------------------------------------------------------------------
// Rendering.

function setRegistryState(kind, text) {
  ax.registryState.dataset.state = kind;
  ax.registryState.textContent = text;
}

function setPhase(phase, st) {
  asm.phases[phase] = st;
  const li = ax.phases.querySelector(`[data-phase="${phase}"]`);
  if (li) {
    li.dataset.state = st;
    li.querySelector('.phase-state').textContent = {
      pending: 'pending', running: 'running…', done: 'done', failed: 'failed', skipped: 'not in this entry\'s plan',
    }[st];
  }
}

function renderPhases() {
  ax.phases.replaceChildren(...PHASES.map((p, i) => {
    const li = document.createElement('li');
    li.dataset.phase = p;
    li.dataset.state = asm.phases[p] || 'pending';
    const name = document.createElement('code');
    name.textContent = `module.${i}.phase=${p}`;
    const st = document.createElement('span');
    st.className = 'phase-state';
    li.append(name, ' ', st);
    return li;
  }));
  for (const p of PHASES) setPhase(p, asm.phases[p] || 'pending');
}

function renderModules() {
  ax.modules.replaceChildren(...asm.modules.map((m) => {
    const tr = document.createElement('tr');
    tr.dataset.index = String(m.index);
    tr.dataset.sha256 = m.sha256;
    const cells = [
      ['th', 'Actual module bytes'], ['td', String(m.index)], ['td', m.phase], ['td', m.file || '—'],
      ['td', m.planned === null ? '—' : m.planned.toLocaleString('en-US')],
      ['td', m.actual === null ? '—' : m.actual.toLocaleString('en-US') + (m.reused ? ' (verified earlier)' : '')],
      ['td', m.sha256],
    ];
    tr.append(...cells.map(([tag, text]) => {
      const c = document.createElement(tag);
      c.textContent = text;
      if (tag === 'th') c.scope = 'row';
      return c;
    }));
    return tr;
  }));
}

function renderApplied() {
  const d = state.diag;
  ax.checksum.textContent = d && d.model_loaded ? `${d.adapters.assembly_checksum} (${d.adapters.apply_count} adapter${d.adapters.apply_count === 1 ? '' : 's'} applied)` : '—';
  ax.applied.replaceChildren(...asm.applied.map((a) => {
    const li = document.createElement('li');
    li.textContent = `${a.name} (${a.format}, ${a.bytes.toLocaleString('en-US')} bytes, ${a.source === 'local' ? 'local file' : 'from the registry'}, sha256 ${a.sha256.slice(0, 16)}…) → assembly checksum ${a.checksumAfter}`;
    return li;
  }));
}

function renderEvidence() {
  if (!asm.evidence.length) {
    ax.evidence.textContent = asm.entry ? 'No evidence read for this assembly.' : 'No evidence: nothing is assembled from the registry (the demo manifest\'s models and local files carry none).';
    return;
  }
  const blocks = asm.evidence.map((ev) => {
    const div = document.createElement('div');
    div.className = 'sidecar';
    div.dataset.file = ev.file;
    const h = document.createElement('h3');
    h.textContent = ev.file;
    div.append(h);
    const sc = ev.sidecar;
    const lines = [];
    if (sc && ev.recomputed) {
      const g = ev.recomputed;
      lines.push(`Source: ${sc.source_kind}; quality scope: ${sc.quality_scope}; implementation: ${sc.implementation && sc.implementation.name} ${sc.implementation && sc.implementation.version}`);
      lines.push(`Cases: ${g.cases}, passed ${g.passed}, failed ${g.failed}.`);
      let claimText = `Claim: ${sc.claim} (the page's gate recomputes: ${g.claim})`;
      if (sc.source_kind === 'task-eval' && g.claim !== 'task-quality') claimText += ` — task-quality claim refused (${g.passed}/${g.cases} passed)`;
      lines.push(claimText);
    }
    for (const text of lines) {
      const p = document.createElement('p');
      p.textContent = text;
      if (text.startsWith('Claim:')) p.className = 'claim';
      div.append(p);
    }
    for (const problem of ev.problems) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = `Rejected: ${problem}`;
      div.append(p);
    }
    if (sc && ev.recomputed) {
      const table = document.createElement('table');
      table.className = 'cases';
      const head = document.createElement('tr');
      for (const t of ['case', 'expected', 'actual', 'pass']) {
        const th = document.createElement('th');
        th.textContent = t;
        head.append(th);
      }
      table.append(head);
      for (const c of sc.cases) {
        const tr = document.createElement('tr');
        tr.dataset.pass = String(c.pass);
        for (const t of [c.id, c.expected, c.actual, c.pass ? 'pass' : 'fail']) {
          const td = document.createElement('td');
          td.textContent = String(t);
          tr.append(td);
        }
        table.append(tr);
      }
      // Collapsed: a task eval has dozens of cases; the counts and the claim are above.
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = `${sc.cases.length} cases: expected, actual, pass`;
      details.append(summary, table);
      div.append(details);
    }
    return div;
  });
  ax.evidence.replaceChildren(...blocks);
}

function showOutcome(ok, code, message) {
  asm.outcome = { ok, code, message };
  ax.result.dataset.state = ok ? 'ok' : 'rejected';
  ax.result.textContent = message;
  ax.result.hidden = false;
}

/** app.js calls this from updateControls. */
function assemblyControls(idle) {
  ax.assemble.disabled = !idle || !asm.booted || !!asm.halted || !ax.entry.value;
  ax.adapterFile.disabled = !idle || !(state.diag && state.diag.model_loaded) || !!state.blocked;
}

/** app.js calls this when a model is loaded from the manifest or a local file, or unloaded. */
function assemblyReplaced(model) {
  if (model && model.source === 'registry') return;
  asm.entry = null;
  asm.applied = [];
  asm.evidence = [];
  asm.outcome = null;
  ax.result.hidden = true;
  renderApplied();
  renderEvidence();
}

// ---------------------------------------------------------------------------
// Fetch accounting ([REG-PLAN-03]): every file fetched — the plan, the
// registry, each module — counts; never more than the plan's
// planned_fetch_count (itself at most FETCH_ENVELOPE). A module whose bytes
// were verified once in this page is not fetched again.

async function accountedFetch(url, limitBytes, tooLarge) {
  const limit = asm.plan ? asm.plan.planned_fetch_count : FETCH_ENVELOPE;
  if (asm.fetches.length + 1 > limit) {
    throw new Refusal('FetchEnvelopeExceeded', `fetching ${url} would be fetch ${asm.fetches.length + 1}, over the plan's ${limit} planned fetches`);
  }
  asm.fetches.push(new URL(url, location.href).pathname);
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) {
    const err = new Error(`${url}: HTTP ${response.status}`);
    err.missing = true;
    throw err;
  }
  // The length before the body, where the server says it ([REG-REF-01]).
  const declared = Number(response.headers.get('Content-Length'));
  if (limitBytes && declared > limitBytes) throw tooLarge(declared);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (limitBytes && bytes.length > limitBytes) throw tooLarge(bytes.length);
  return bytes;
}

// ---------------------------------------------------------------------------
// Shapes (P2, R2): canonical JSON with exactly the members of the formats.

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const CHECKSUM = /^0x[0-9a-f]{8}$/;
const ENTRY_ID = /^[A-Za-z0-9._+-]{1,64}$/;
const CLAIMS = ['none', 'runtime-smoke', 'task-quality'];
const SOURCE_KINDS = ['runtime-smoke', 'task-eval'];
const IDENTITY_INTS = ['architecture', 'dim', 'ffn_dim', 'flags', 'head_dim', 'n_heads', 'n_kv_heads', 'n_layers', 'param_count', 'tensor_count', 'vocab_size'];

/** [REG-PATH-01] */
function isPath(p) {
  if (typeof p !== 'string' || p.length < 1 || p.length > MAX_PATH_BYTES || !/^[\x21-\x7e]+$/.test(p)) return false;
  const segs = p.split('/');
  let pastDots = false;
  for (const seg of segs) {
    if (seg === '..') { if (pastDots) return false; continue; }
    pastDots = true;
    if (!/^[A-Za-z0-9_][A-Za-z0-9._+-]*$/.test(seg)) return false;
  }
  return pastDots;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v) => Number.isSafeInteger(v) && v >= 0;
/** The object has exactly these members. */
const hasMembers = (v, names) => isObject(v) && Object.keys(v).length === names.length && names.every((n) => n in v);

/** Parses canonical JSON bytes, or throws Refusal(name). */
function parseCanonical(bytes, name, what) {
  let text;
  let v;
  try {
    text = utf8Text.decode(bytes);
    v = JSON.parse(text);
  } catch {
    throw new Refusal(name, `${what} is not JSON`);
  }
  let again;
  try {
    again = canonical(v);
  } catch (err) {
    throw new Refusal(name, `${what} is not canonical JSON (${err.message})`);
  }
  if (again !== text) throw new Refusal(name, `${what} is not canonical JSON`);
  return v;
}

function isRef(r, limit) { // [REG-REF-01]
  return hasMembers(r, ['bytes', 'file', 'sha256']) && isCount(r.bytes) && r.bytes <= limit && isPath(r.file) && DIGEST.test(r.sha256);
}

function isIdentity(id) {
  return hasMembers(id, [...IDENTITY_INTS, 'tensor_layout_checksum', 'tokenizer_checksum'])
    && IDENTITY_INTS.every((k) => isCount(id[k])) && CHECKSUM.test(id.tensor_layout_checksum) && CHECKSUM.test(id.tokenizer_checksum);
}

function isAdmission(a) {
  return hasMembers(a, ['claim', 'evidence']) && CLAIMS.includes(a.claim) && Array.isArray(a.evidence)
    && a.evidence.length >= 1 && a.evidence.length <= MAX_EVIDENCE
    && a.evidence.every((e) => hasMembers(e, ['cases', 'claim', 'eval_case_evidence_checksum', 'passed', 'sidecar', 'sidecar_sha256', 'source_kind'])
      && isCount(e.cases) && isCount(e.passed) && CLAIMS.includes(e.claim) && DIGEST.test(e.eval_case_evidence_checksum)
      && isPath(e.sidecar) && DIGEST.test(e.sidecar_sha256) && SOURCE_KINDS.includes(e.source_kind));
}

/** R2's shape of one entry (the stack's adapter count is R5's). */
function entryShapeProblem(e) {
  if (!isObject(e) || !ENTRY_ID.test(e.id)) return 'an entry without a valid id';
  if (e.kind === 'base') {
    if (!hasMembers(e, ['admission', 'bytes', 'file', 'id', 'identity', 'kind', 'sha256'])) return `${e.id}: members`;
    if (!isRef({ bytes: e.bytes, file: e.file, sha256: e.sha256 }, MODEL_BYTE_BUDGET_BYTES)) return `${e.id}: the model reference`;
    if (!isIdentity(e.identity)) return `${e.id}: identity`;
  } else if (e.kind === 'stack') {
    if (!hasMembers(e, ['adapter_bytes', 'adapters', 'admission', 'assembly_checksum', 'base', 'id', 'kind'])) return `${e.id}: members`;
    if (!ENTRY_ID.test(e.base) || !CHECKSUM.test(e.assembly_checksum) || !isCount(e.adapter_bytes)) return `${e.id}: base, assembly_checksum or adapter_bytes`;
    if (!Array.isArray(e.adapters) || e.adapters.length < 1) return `${e.id}: no adapters`;
    for (const a of e.adapters) {
      if (!hasMembers(a, ['bytes', 'file', 'format', 'sha256']) || !ADAPTER_MAGIC[a.format]
        || !isRef({ bytes: a.bytes, file: a.file, sha256: a.sha256 }, ADAPTER_BYTE_BUDGET_BYTES)) return `${e.id}: an adapter reference`;
    }
    if (e.adapters.reduce((n, a) => n + a.bytes, 0) !== e.adapter_bytes) return `${e.id}: adapter_bytes is not the sum of its adapters' bytes`;
  } else {
    return `${e.id}: kind ${e.kind}`;
  }
  if (!isAdmission(e.admission)) return `${e.id}: admission`;
  return null;
}

/** [REG-VER-01] R1–R8 (spec/registry.md §3.3), the browser's part of registry verification ([REG-VER-02]). */
function verifyRegistry(bytes) {
  if (bytes.length > MAX_REGISTRY_BYTES) throw new Refusal('RegistryTooLarge', `${bytes.length} bytes, over MAX_REGISTRY_BYTES (${MAX_REGISTRY_BYTES})`); // R1
  const reg = parseCanonical(bytes, 'RegistryMalformed', 'the registry'); // R2
  if (!hasMembers(reg, ['entries', 'format', 'ledger_head', 'quarantined']) || reg.format !== REGISTRY_FORMAT || !DIGEST.test(reg.ledger_head)
    || !Array.isArray(reg.entries) || reg.entries.length > MAX_REGISTRY_ENTRIES || !Array.isArray(reg.quarantined)) {
    throw new Refusal('RegistryMalformed', `the registry's members, format (${REGISTRY_FORMAT}) or entry count (at most ${MAX_REGISTRY_ENTRIES})`);
  }
  for (const e of reg.entries) {
    const why = entryShapeProblem(e);
    if (why) throw new Refusal('RegistryMalformed', why);
  }
  for (const q of reg.quarantined) {
    if (!hasMembers(q, ['entries', 'file', 'reason', 'sha256']) || !isPath(q.file) || !DIGEST.test(q.sha256) || !isCount(q.reason)
      || !Array.isArray(q.entries) || !q.entries.every((id) => ENTRY_ID.test(id))) throw new Refusal('RegistryMalformed', 'a quarantined item');
  }
  const seen = new Set();
  for (const e of reg.entries) { // R3
    if (seen.has(e.id)) throw new Refusal('RegistryDuplicateEntry', `two entries have the id ${e.id}`);
    seen.add(e.id);
  }
  reg.entries.forEach((e, i) => { // R4
    if (e.kind === 'stack' && !reg.entries.slice(0, i).some((b) => b.kind === 'base' && b.id === e.base)) {
      throw new Refusal('RegistryUnknownBase', `${e.id}: base ${e.base} is not an earlier base entry`);
    }
  });
  for (const e of reg.entries) { // R5
    if (e.kind === 'stack' && e.adapters.length > MAX_STACK_ADAPTERS) throw new Refusal('StackTooDeep', `${e.id}: ${e.adapters.length} adapters, over MAX_STACK_ADAPTERS (${MAX_STACK_ADAPTERS})`);
  }
  for (const e of reg.entries) { // R6
    if (e.kind === 'stack' && e.adapter_bytes > ADAPTER_AUTO_APPLY_BUDGET) {
      throw new Refusal('AdapterBudgetExceeded', `${e.id}: its adapters are ${e.adapter_bytes.toLocaleString('en-US')} bytes, over the auto-apply budget of ${ADAPTER_AUTO_APPLY_BUDGET.toLocaleString('en-US')} bytes (ADAPTER_AUTO_APPLY_BUDGET)`);
    }
  }
  for (const e of reg.entries) { // R7
    if (!e.admission.evidence.some((v) => v.claim !== 'none')) throw new Refusal('AdmissionWithoutEvidence', `${e.id}: no evidence claims more than none`);
  }
  for (const e of reg.entries) { // R8
    const strongest = e.admission.evidence.reduce((best, v) => (CLAIM_RANK[v.claim] > CLAIM_RANK[best] ? v.claim : best), 'none');
    if (e.admission.claim !== strongest) throw new Refusal('AdmissionClaimMismatch', `${e.id}: admission claims ${e.admission.claim}, its strongest evidence ${strongest}`);
  }
  return reg;
}

/** [REG-PLAN-04] P2: the plan's shape ([REG-JSON-01] canonical, [REG-PLAN-02] named limits). */
function planShape(bytes) {
  const plan = parseCanonical(bytes, 'PlanMalformed', 'the module plan');
  const ok = hasMembers(plan, ['adapter_auto_apply_budget', 'entries', 'fetch_envelope', 'format', 'planned_fetch_count', 'registry', 'registry_sha256'])
    && plan.format === PLAN_FORMAT && isPath(plan.registry) && DIGEST.test(plan.registry_sha256) && isCount(plan.planned_fetch_count)
    && plan.fetch_envelope === FETCH_ENVELOPE && plan.adapter_auto_apply_budget === ADAPTER_AUTO_APPLY_BUDGET && Array.isArray(plan.entries)
    && plan.entries.every((e) => hasMembers(e, ['entry', 'modules']) && typeof e.entry === 'string' && Array.isArray(e.modules)
      && e.modules.every((m) => hasMembers(m, ['bytes', 'file', 'index', 'phase', 'sha256']) && isCount(m.index) && PHASES.includes(m.phase)
        && (m.file === null
          ? m.bytes === null && m.sha256 === null
          : isPath(m.file) && isCount(m.bytes) && DIGEST.test(m.sha256))));
  if (!ok) {
    throw new Refusal('PlanMalformed', `the module plan's members or their types (format ${PLAN_FORMAT}, fetch_envelope ${FETCH_ENVELOPE}, adapter_auto_apply_budget ${ADAPTER_AUTO_APPLY_BUDGET}, a module's file, bytes and sha256 all null or none)`);
  }
  return plan;
}

/** [REG-PLAN-01]: the modules a plan must have for a registry entry (a sidecar's bytes are not in the registry). */
function expectedModules(reg, e) {
  const base = e.kind === 'stack' ? reg.entries.find((b) => b.id === e.base) : e;
  const none = { bytes: null, file: null, sha256: null };
  const mods = [
    { phase: 'load-model-bytes', bytes: base.bytes, file: base.file, sha256: base.sha256 },
    { phase: 'verify-model-manifest', ...none },
    ...e.admission.evidence.map((v) => ({ phase: 'verify-assembly-evidence', bytes: undefined, file: v.sidecar, sha256: v.sidecar_sha256 })),
  ];
  if (e.kind === 'stack') {
    mods.push({ phase: 'verify-adapter-family', ...none });
    e.adapters.forEach((a, k) => mods.push({ phase: `apply-adapter-stack-${k}`, bytes: a.bytes, file: a.file, sha256: a.sha256 }));
  }
  return mods.map((m, index) => ({ ...m, index }));
}

/** [REG-PLAN-04] P5–P8, after P3 and P4. */
function verifyPlanAgainst(plan, reg) {
  const withFile = plan.entries.reduce((n, e) => n + e.modules.filter((m) => m.file !== null).length, 0);
  if (plan.planned_fetch_count !== withFile + 2) { // P5
    throw new Refusal('PlanCountMismatch', `planned_fetch_count ${plan.planned_fetch_count}, but the modules with a file plus the plan and the registry are ${withFile + 2}`);
  }
  if (plan.planned_fetch_count > FETCH_ENVELOPE) { // P6
    throw new Refusal('FetchEnvelopeExceeded', `${plan.planned_fetch_count} planned fetches, over the envelope of ${FETCH_ENVELOPE} (FETCH_ENVELOPE)`);
  }
  for (const e of plan.entries) { // P7
    let last = -1;
    e.modules.forEach((m, i) => {
      const rank = PHASES.indexOf(m.phase);
      const repeats = rank === last && m.phase === 'verify-assembly-evidence';
      if (m.index !== i || (rank <= last && !repeats)) throw new Refusal('PlanOutOfOrder', `entry ${e.entry}: module ${i} (index ${m.index}, ${m.phase}) is out of order`);
      last = rank;
    });
  }
  // P8
  if (plan.entries.length !== reg.entries.length) throw new Refusal('PlanRegistryMismatch', `${plan.entries.length} plan entries, ${reg.entries.length} registry entries`);
  reg.entries.forEach((e, i) => {
    const p = plan.entries[i];
    const want = expectedModules(reg, e);
    const same = p.entry === e.id && p.modules.length === want.length && want.every((w, k) => {
      const m = p.modules[k];
      return m.phase === w.phase && m.file === w.file && m.sha256 === w.sha256 && (w.bytes === undefined || m.bytes === w.bytes);
    });
    if (!same) throw new Refusal('PlanRegistryMismatch', `plan entry ${i} (${p.entry}) is not what the registry's entry ${e.id} needs`);
  });
}

// ---------------------------------------------------------------------------
// Boot: the plan, then the registry ([REG-PLAN-03], P1–P8).

async function bootRegistry() {
  renderPhases();
  setRegistryState('booting', 'Reading the module plan…');
  try {
    asm.planUrl = new URL(PLAN_URL, location.href).href;
    let planBytes;
    try {
      planBytes = await accountedFetch(PLAN_URL, MAX_PLAN_BYTES, (n) => new Refusal('PlanTooLarge', `${n} bytes, over MAX_PLAN_BYTES (${MAX_PLAN_BYTES})`)); // P1
    } catch (err) {
      if (err.missing) { // a site without a registry: the rest of the page works
        asm.fetches = [];
        setRegistryState('absent', 'This site has no selector registry (registry/module.plan.json): assembly is off.');
        ax.entry.replaceChildren();
        return;
      }
      throw err;
    }
    const plan = planShape(planBytes); // P2
    // The registry counts against the plan's own count (at most the envelope) until P5 checks it.
    asm.plan = { planned_fetch_count: Math.min(plan.planned_fetch_count, FETCH_ENVELOPE) };
    setRegistryState('booting', 'Module plan read; reading the registry it binds…');
    asm.registryUrl = new URL(plan.registry, asm.planUrl).href;
    const registryBytes = await accountedFetch(asm.registryUrl, MAX_REGISTRY_BYTES, (n) => new Refusal('RegistryTooLarge', `${n} bytes, over MAX_REGISTRY_BYTES (${MAX_REGISTRY_BYTES})`));
    const digest = digestOf(await sha256(registryBytes));
    if (digest !== plan.registry_sha256) { // P3: halt before any .slm request
      throw new Refusal('PlanRegistryDrift', `the registry's SHA-256 is ${digest}, the module plan binds ${plan.registry_sha256}. Assembly halted; no model was requested.`, 'runtime-manifest-drift: ');
    }
    const registry = verifyRegistry(registryBytes); // P4 = R1–R8
    verifyPlanAgainst(plan, registry); // P5–P8
    asm.plan = plan;
    asm.registry = registry;
    fillEntries();
    asm.booted = true;
    setRegistryState('ready', `Module plan and registry verified: ${registry.entries.length} admitted entries, ${registry.quarantined.length} quarantined artifacts; ${plan.planned_fetch_count} planned fetches within ${FETCH_ENVELOPE}; ledger head ${registry.ledger_head.slice(0, 23)}…. Choose an entry and assemble it.`);
  } catch (err) {
    asm.halted = { code: err.code || null, name: err.name, message: err.message };
    setRegistryState('halted', err.message);
    showOutcome(false, err.name, err.message);
  } finally {
    updateControls();
  }
}

function fillEntries() {
  const option = (value, text) => {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  };
  const admitted = document.createElement('optgroup');
  admitted.label = 'Admitted';
  admitted.append(...asm.registry.entries.map((e) => option(e.id, `${e.id} — ${e.kind}, claim ${e.admission.claim}`)));
  const groups = [admitted];
  // Entries removed by quarantine ([REG-QUA-02]) stay choosable: assembling one shows why it is refused.
  const removed = asm.registry.quarantined.flatMap((q, i) => q.entries.map((id) => option(`quarantined:${i}:${id}`, `${id} — removed: ${q.file} quarantined (${codeName(q.reason)} ${q.reason})`)));
  if (removed.length) {
    const g = document.createElement('optgroup');
    g.label = 'Quarantined';
    g.append(...removed);
    groups.push(g);
  }
  ax.entry.replaceChildren(...groups);
  describeEntry();
}

/** The quarantined item and entry id of a "quarantined:i:id" choice. */
function quarantinedChoice(value) {
  const m = /^quarantined:(\d+):(.+)$/.exec(value);
  return m ? { item: asm.registry.quarantined[Number(m[1])], id: m[2] } : null;
}

function describeEntry() {
  const id = ax.entry.value;
  const e = asm.registry && asm.registry.entries.find((x) => x.id === id);
  const q = asm.registry && quarantinedChoice(id);
  if (e) {
    const ev = e.admission.evidence.map((v) => `${v.source_kind} ${v.passed}/${v.cases} → ${v.claim}`).join('; ');
    ax.entryDescription.textContent = e.kind === 'stack'
      ? `Stack on ${e.base}: ${e.adapters.map((a) => `${a.file} (${a.format}, ${a.bytes.toLocaleString('en-US')} bytes)`).join(' + ')}; assembly checksum ${e.assembly_checksum}. Evidence: ${ev}.`
      : `Base model ${e.file}, ${e.bytes.toLocaleString('en-US')} bytes. Evidence: ${ev}.`;
  } else if (q) {
    ax.entryDescription.textContent = `${q.id} was removed by quarantine: ${q.item.file} (${q.item.sha256.slice(0, 23)}…), reason ${codeName(q.item.reason)} (${q.item.reason}).`;
  } else {
    ax.entryDescription.textContent = '';
  }
  updateControls();
}
ax.entry.addEventListener('change', describeEntry);

// ---------------------------------------------------------------------------
// Assembly of one entry (§4.1's phases, in the plan's index order).

function identityFromSummary(s) {
  return {
    architecture: s.architecture === 'llama' ? 1 : s.architecture === 'gpt-neox' ? 2 : s.architecture,
    dim: s.dim,
    ffn_dim: s.ffn_dim,
    flags: s.tied_embeddings ? 1 : 0,
    head_dim: s.head_dim,
    n_heads: s.n_heads,
    n_kv_heads: s.n_kv_heads,
    n_layers: s.n_layers,
    param_count: s.param_count,
    tensor_count: s.tensor_count,
    tensor_layout_checksum: s.tensor_layout_checksum,
    tokenizer_checksum: s.tokenizer_checksum,
    vocab_size: s.vocab_size,
  };
}

/** Fetches (or reuses) one module's bytes and checks them: length first, then SHA-256 (the kind's code of L11). */
async function moduleBytes(m, row, kind, limit) {
  const want = m.sha256.replace(/^sha256:/, '');
  let bytes = asm.verified.get(want);
  if (bytes) {
    row.reused = true;
  } else {
    bytes = await accountedFetch(new URL(m.file, asm.planUrl).href, limit, (n) => evidenceRejected(kind, `module ${m.index} (${m.file}): ${n} bytes, over its limit of ${limit}`));
  }
  row.actual = bytes.length;
  renderModules();
  if (bytes.length !== m.bytes) {
    row.sha256 = 'not checked (length differs)';
    renderModules();
    throw evidenceRejected(kind, `module ${m.index} (${m.file}): ${bytes.length.toLocaleString('en-US')} bytes fetched, the plan says ${m.bytes.toLocaleString('en-US')}`);
  }
  const got = await sha256(bytes);
  if (got !== want) {
    row.sha256 = `mismatch: ${got.slice(0, 16)}…`;
    renderModules();
    throw evidenceRejected(kind, `module ${m.index} (${m.file}): SHA-256 ${got.slice(0, 16)}…, the plan says ${want.slice(0, 16)}…`);
  }
  row.sha256 = 'verified';
  renderModules();
  asm.verified.set(want, bytes);
  return bytes;
}

/**
 * A fetched sidecar (its digest already verified): its shape (V2, V3), the
 * gate recomputed (V8–V10), its evidence item (R13) and its entry
 * ([REG-VER-02]). Returns { sidecar, recomputed, problem: [name, text] | null }.
 */
function checkSidecar(bytes, item, ctx) {
  let sc;
  try {
    sc = parseCanonical(bytes, 'SidecarNotCanonical', 'the sidecar');
  } catch (err) {
    return { sidecar: null, recomputed: null, problem: [err.name === 'SidecarNotCanonical' && /not JSON/.test(err.message) ? 'SidecarMalformed' : err.name, err.message.replace(/^\w+ \(\d+\): /, '')] };
  }
  const names = ['cases', 'claim', 'counts', 'eval_case_evidence_checksum', 'format', 'implementation', 'model', 'quality_scope', 'source_kind'];
  const shaped = isObject(sc) && names.every((n) => n in sc) && Object.keys(sc).every((k) => names.includes(k) || k === 'perplexity')
    && sc.format === SIDECAR_FORMAT && Array.isArray(sc.cases) && sc.cases.every((c) => hasMembers(c, ['actual', 'expected', 'id', 'pass'])
      && typeof c.actual === 'string' && typeof c.expected === 'string' && typeof c.id === 'string' && typeof c.pass === 'boolean')
    && hasMembers(sc.counts, ['cases', 'failed', 'passed']) && ['cases', 'failed', 'passed'].every((k) => isCount(sc.counts[k]))
    && CLAIMS.includes(sc.claim) && SOURCE_KINDS.includes(sc.source_kind) && typeof sc.quality_scope === 'string'
    && DIGEST.test(sc.eval_case_evidence_checksum) && hasMembers(sc.implementation, ['name', 'version'])
    && hasMembers(sc.model, ['adapters', 'assembly_checksum', 'identity', 'sha256']) && DIGEST.test(sc.model.sha256)
    && Array.isArray(sc.model.adapters) && (sc.model.assembly_checksum === null || CHECKSUM.test(sc.model.assembly_checksum));
  if (!shaped) return { sidecar: isObject(sc) ? sc : null, recomputed: null, problem: ['SidecarMalformed', `not the members of ${SIDECAR_FORMAT}`] };
  const g = gate(sc);
  if (g.problem) return { sidecar: sc, recomputed: g, problem: g.problem };
  // R13: the evidence item is the sidecar's.
  for (const [k, got, want] of [['cases', sc.counts.cases, item.cases], ['passed', sc.counts.passed, item.passed], ['claim', sc.claim, item.claim],
    ['eval_case_evidence_checksum', sc.eval_case_evidence_checksum, item.eval_case_evidence_checksum], ['source_kind', sc.source_kind, item.source_kind]]) {
    if (got !== want) return { sidecar: sc, recomputed: g, problem: ['EvidenceMismatch', `the sidecar's ${k} is ${got}, the admission record's ${want}`] };
  }
  // [REG-VER-02]: the sidecar is about this entry's model and stack.
  const model = sc.model;
  if (model.sha256 !== ctx.modelSha256) return { sidecar: sc, recomputed: g, problem: ['EvidenceMismatch', `the sidecar's model.sha256 ${model.sha256.slice(0, 23)}… is not the entry's model ${ctx.modelSha256.slice(0, 23)}…`] };
  if (canonical(model.identity) !== canonical(ctx.identity)) return { sidecar: sc, recomputed: g, problem: ['EvidenceMismatch', 'the sidecar\'s model identity is not the entry\'s'] };
  if (canonical(model.adapters) !== canonical(ctx.adapters)) return { sidecar: sc, recomputed: g, problem: ['EvidenceMismatch', 'the sidecar\'s adapters are not the entry\'s stack, in order'] };
  if (model.assembly_checksum !== ctx.assemblyChecksum) return { sidecar: sc, recomputed: g, problem: ['EvidenceMismatch', `the sidecar's assembly checksum ${model.assembly_checksum} is not the entry's ${ctx.assemblyChecksum}`] };
  return { sidecar: sc, recomputed: g, problem: null };
}

async function assemble() {
  const id = ax.entry.value;
  if (!id || state.busy) return;
  setBusy(true);
  showConfigError('');
  showContextWarning('');
  asm.entry = id;
  asm.modules = [];
  asm.applied = [];
  asm.evidence = [];
  asm.phases = {};
  renderPhases();
  renderModules();
  renderEvidence();
  ax.result.hidden = true;
  let current = null;
  try {
    const q = quarantinedChoice(id);
    if (q) { // [REG-QUA-02]: removed from the entries, and from the plan; nothing is fetched
      const why = `${q.item.file} is quarantined (${codeName(q.item.reason)} ${q.item.reason})`;
      asm.evidence = [{ file: q.item.file, sidecar: null, recomputed: null, problems: [why] }];
      const err = new Error(`assembly evidence rejected: ${codeName(q.item.reason)} (${q.item.reason}): ${q.id} was removed by quarantine: ${why}`);
      err.name = codeName(q.item.reason);
      err.code = q.item.reason;
      throw err;
    }
    const entry = asm.registry.entries.find((e) => e.id === id);
    const planned = asm.plan.entries.find((e) => e.entry === id); // P8 made it the registry's
    const base = entry.kind === 'stack' ? asm.registry.entries.find((e) => e.id === entry.base) : entry;
    const adapters = entry.kind === 'stack' ? entry.adapters : [];
    const ctx = {
      modelSha256: base.sha256,
      identity: base.identity,
      adapters: adapters.map((a) => a.sha256),
      assemblyChecksum: entry.kind === 'stack' ? entry.assembly_checksum : null,
    };
    for (const p of PHASES) setPhase(p, planned.modules.some((m) => m.phase === p) ? 'pending' : 'skipped');
    asm.modules = planned.modules.map((m) => ({ index: m.index, phase: m.phase, file: m.file, planned: m.bytes, actual: null, sha256: m.file === null ? 'no file' : 'pending', reused: false }));
    renderModules();
    let modelBytes = null;
    let adapterAt = 0;
    for (const m of planned.modules) {
      current = m.phase;
      setPhase(m.phase, 'running');
      const row = asm.modules[m.index];
      switch (m.phase) {
        case 'load-model-bytes':
          modelBytes = await moduleBytes(m, row, 'ModelDigestMismatch', MODEL_BYTE_BUDGET_BYTES);
          break;
        case 'verify-model-manifest': {
          // The runtime validates the model (slm1.md); its identity must be the base entry's.
          const ok = await loadIntoRuntime(modelBytes.slice(), { name: id, source: 'registry', sha256: base.sha256.replace(/^sha256:/, '') });
          if (!ok) {
            const err = new Error(`assembly evidence rejected: ${state.lastError.name} (${state.lastError.code}): the runtime refused ${base.file}`);
            err.name = state.lastError.name;
            err.code = state.lastError.code;
            throw err;
          }
          const got = identityFromSummary(state.summary);
          if (canonical(got) !== canonical(base.identity)) throw evidenceRejected('IdentityMismatch', `${base.file}: the runtime reads identity ${canonical(got)}, the registry says ${canonical(base.identity)}`);
          break;
        }
        case 'verify-assembly-evidence': {
          const bytes = await moduleBytes(m, row, 'SidecarDigestMismatch', MAX_EVIDENCE_BYTES);
          const item = entry.admission.evidence.find((v) => v.sidecar_sha256 === m.sha256);
          const checked = checkSidecar(bytes, item, ctx);
          asm.evidence.push({ file: m.file, sidecar: checked.sidecar, recomputed: checked.recomputed, problems: checked.problem ? [`${checked.problem[0]} (${CODES[checked.problem[0]]}): ${checked.problem[1]}`] : [] });
          renderEvidence();
          if (checked.problem) throw evidenceRejected(checked.problem[0], `${m.file}: ${checked.problem[1]}`);
          break;
        }
        case 'verify-adapter-family':
          // Before any adapter is fetched ([REG-PLAN-03]); R2 and R6 held at boot, checked again here.
          if (!adapters.every((a) => ADAPTER_MAGIC[a.format])) throw evidenceRejected('RegistryMalformed', `${id}: an adapter format is not ADP1, ASP1 or ALR1`);
          if (entry.adapter_bytes > asm.plan.adapter_auto_apply_budget) throw evidenceRejected('AdapterBudgetExceeded', `${id}: ${entry.adapter_bytes} adapter bytes, over ${asm.plan.adapter_auto_apply_budget}`);
          break;
        default: { // apply-adapter-stack-k: fetch, check, validate, then apply, through the runtime
          const bytes = await moduleBytes(m, row, 'AdapterDigestMismatch', ADAPTER_BYTE_BUDGET_BYTES);
          const a = adapters[adapterAt];
          const magic = String.fromCharCode(...bytes.subarray(0, 4));
          if (magic !== a.format) throw evidenceRejected('RegistryMalformed', `${m.file}: the package's magic is ${magic}, the registry says ${a.format}`);
          for (const op of ['validateAdapter', 'applyAdapter']) {
            const r = await request(op, { bytes: bytes.slice().buffer });
            if (r.status !== 0) {
              const err = new Error(`assembly evidence rejected: ${errorName(r.status)} (${r.status}): the runtime's ${op === 'validateAdapter' ? 'validate_adapter' : 'apply_adapter'} refused ${m.file}`);
              err.name = errorName(r.status);
              err.code = r.status;
              throw err;
            }
          }
          asm.applied.push({ name: m.file, source: 'registry', sha256: a.sha256.replace(/^sha256:/, ''), bytes: a.bytes, format: a.format, checksumAfter: state.diag.adapters.assembly_checksum });
          adapterAt += 1;
          renderApplied();
        }
      }
      setPhase(m.phase, 'done');
    }
    current = null;
    const d = state.diag;
    const want = entry.kind === 'stack' ? entry.assembly_checksum : d.model.file_checksum;
    if (d.adapters.assembly_checksum !== want || d.adapters.apply_count !== adapters.length) {
      throw evidenceRejected('AssemblyChecksumMismatch', `${id}: the runtime's assembly checksum is ${d.adapters.assembly_checksum} after ${d.adapters.apply_count} adapters, the registry says ${want}`);
    }
    state.model = { name: id, source: 'registry', sha256: base.sha256.replace(/^sha256:/, '') };
    setModelState('loaded', `Assembled ${id} from the registry: ${d.model.architecture}, ${d.model.quantization}, ${adapters.length} adapter${adapters.length === 1 ? '' : 's'}, assembly checksum ${d.adapters.assembly_checksum} (the registry's); evidence verified, claim ${entry.admission.claim}.`);
    setStatus(`Assembled ${id}: every module verified, ${adapters.length} adapter${adapters.length === 1 ? '' : 's'} applied.`);
    showOutcome(true, null, `Assembled ${id}: assembly checksum ${d.adapters.assembly_checksum} equals the registry's; claim ${entry.admission.claim}.`);
  } catch (err) {
    if (current) setPhase(current, 'failed');
    // Nothing of a refused assembly stays in the runtime: generation is off
    // until another model is loaded or assembled.
    if (state.diag && state.diag.model_loaded) await request('unload');
    state.model = null;
    showLoadedInSelector();
    asm.applied = [];
    state.blocked = err.message;
    setModelState('rejected', `${err.message}. Generation is disabled.`);
    setStatus(`Assembly evidence rejected (${err.name}): generation disabled.`);
    recordError('assemble', err.code, err.name);
    showOutcome(false, err.name, err.message);
  } finally {
    renderApplied();
    renderEvidence();
    renderDiagnostics();
    setBusy(false);
  }
}
ax.assemble.addEventListener('click', assemble);

// A local package: validated, then applied, through the runtime; it changes
// the weights the registry's evidence describes, and the page says so.
async function applyLocalAdapter(file) {
  if (!file || state.busy) return;
  setBusy(true);
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const digest = await sha256(bytes);
    const v = await request('validateAdapter', { bytes: bytes.slice().buffer });
    if (v.status !== 0) {
      recordError('validate_adapter', v.status);
      setStatus(`Adapter rejected by the runtime: ${errorName(v.status)} (${v.status}) — ${file.name}; nothing was applied.`);
      return;
    }
    const r = await request('applyAdapter', { bytes: bytes.buffer }, [bytes.buffer]);
    if (r.status !== 0) {
      recordError('apply_adapter', r.status);
      setStatus(`Adapter could not be applied: ${errorName(r.status)} (${r.status}) — ${file.name}.`);
      return;
    }
    const magic = String.fromCharCode(...new Uint8Array(await file.slice(0, 4).arrayBuffer()));
    asm.applied.push({ name: file.name, source: 'local', sha256: digest, bytes: file.size, format: magic, checksumAfter: state.diag.adapters.assembly_checksum });
    if (asm.evidence.length) showOutcome(true, 'local-adapter', `A local package (${file.name}) was applied after the registry's assembly: the evidence shown describes the assembly before it.`);
    setStatus(`Applied ${file.name}: assembly checksum ${state.diag.adapters.assembly_checksum}; the context was cleared.`);
    endRun();
    state.run = null;
  } finally {
    renderApplied();
    renderDiagnostics();
    setBusy(false);
  }
}
ax.adapterFile.addEventListener('change', () => { applyLocalAdapter(ax.adapterFile.files[0]); ax.adapterFile.value = ''; });

window.tinyrustlmDemo.assembly = {
  get state() {
    return {
      booted: asm.booted, halted: asm.halted, fetches: [...asm.fetches], entry: asm.entry, phases: { ...asm.phases },
      modules: asm.modules.map((m) => ({ ...m })), outcome: asm.outcome, applied: asm.applied.map((a) => ({ ...a })),
      evidence: asm.evidence.map((e) => ({ file: e.file, claim: e.sidecar && e.sidecar.claim, recomputed: e.recomputed, problems: e.problems })),
      plannedFetchCount: asm.plan && asm.plan.planned_fetch_count, blocked: state.blocked,
    };
  },
};

renderApplied();
renderEvidence();
// `?assemble=<entry id>` assembles that entry once the boot has verified the
// plan and the registry (a link to an assembly; the drift test uses it).
bootRegistry().then(async () => {
  const want = new URLSearchParams(location.search).get('assemble');
  if (!want || !asm.booted || !asm.registry.entries.some((e) => e.id === want)) return;
  await window.tinyrustlmDemo.idle();
  ax.entry.value = want;
  describeEntry();
  await assemble();
});
