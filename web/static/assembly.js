// Assembly from the selector registry (issue 16): the page fetches the module
// plan before any model, then the registry (its SHA-256 must be the plan's:
// otherwise "runtime-manifest-drift" and no .slm is ever requested), and
// assembles one entry by walking its modules in index order through the six
// phases, verifying every module's bytes and SHA-256 as fetched, the
// entry's evidence (sidecar digests, the model they name, the quality gate
// recomputed here), and then validating and applying each adapter through
// the runtime, whose assembly checksum must equal the registry's.
// Formats: /work/briefs/contract16.md, spec/registry.md, spec/evaluation.md.
// Shares app.js's globals (state, request, loadIntoRuntime, sha256, …).
'use strict';

// Named limits of spec/registry.md.
const FETCH_ENVELOPE = 32; // fetches one boot may make for the plan, the registry and every module
const ADAPTER_AUTO_APPLY_BUDGET = 1048576; // bytes of one entry's adapters
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

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

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

const PLACEHOLDER_SCOPES = new Set(['', 'placeholder', 'todo', 'tbd', 'none', 'n/a', 'unknown', 'example', 'test']);
const isPlaceholderScope = (s) => typeof s !== 'string' || PLACEHOLDER_SCOPES.has(s.trim().toLowerCase());

/** { claim, passed, failed, problems }: the claim the page's gate gives this sidecar. */
function gate(sc) {
  const problems = [];
  const cases = Array.isArray(sc.cases) ? sc.cases : [];
  const passed = cases.filter((c) => c.pass === true).length;
  const failed = cases.length - passed;
  const counts = sc.counts || {};
  if (counts.cases !== cases.length || counts.passed !== passed || counts.failed !== failed) {
    problems.push(`counts ${counts.passed}/${counts.cases} passed do not match the cases (${passed}/${cases.length})`);
  }
  const wrong = cases.filter((c) => !casePassHolds(c)).map((c) => c.id);
  if (wrong.length) problems.push(`case ${wrong[0]}: the recorded pass is not what its match rule gives`);
  const completed = problems.length === 0 && cases.length > 0;
  let claim = 'none';
  if (completed && sc.source_kind === 'task-eval' && !isPlaceholderScope(sc.quality_scope) && failed === 0) claim = 'task-quality';
  else if (completed && (sc.source_kind !== 'runtime-smoke' || failed === 0)) claim = 'runtime-smoke';
  return { claim, passed, failed, cases: cases.length, problems };
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
    if (sc) {
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
    if (sc && Array.isArray(sc.cases)) {
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
      div.append(table);
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
// Fetch accounting: every fetch of the plan, the registry and the modules
// counts against the plan's planned count and FETCH_ENVELOPE; a module whose
// bytes were verified once in this page is not fetched again.

async function accountedFetch(url) {
  const limit = asm.plan ? asm.plan.planned_fetch_count : FETCH_ENVELOPE;
  if (asm.fetches.length + 1 > limit) {
    throw new Refusal('fetch-envelope-exceeded', `fetch ${asm.fetches.length + 1} of ${url} would exceed the plan's ${limit} planned fetches (FETCH_ENVELOPE ${FETCH_ENVELOPE})`);
  }
  asm.fetches.push(new URL(url, location.href).pathname);
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Refusal('module-unavailable', `${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// ---------------------------------------------------------------------------
// Boot: the plan, then the registry.

function checkPlan(plan) {
  if (!plan || plan.format !== PLAN_FORMAT) throw new Refusal('plan-invalid', `module plan: format is not ${PLAN_FORMAT}`);
  if (plan.fetch_envelope !== FETCH_ENVELOPE) throw new Refusal('plan-invalid', `module plan: fetch_envelope ${plan.fetch_envelope}, the spec's FETCH_ENVELOPE is ${FETCH_ENVELOPE}`);
  if (plan.adapter_auto_apply_budget !== ADAPTER_AUTO_APPLY_BUDGET) {
    throw new Refusal('plan-invalid', `module plan: adapter_auto_apply_budget ${plan.adapter_auto_apply_budget}, the spec's ADAPTER_AUTO_APPLY_BUDGET is ${ADAPTER_AUTO_APPLY_BUDGET}`);
  }
  if (!Number.isSafeInteger(plan.planned_fetch_count) || plan.planned_fetch_count > FETCH_ENVELOPE) {
    throw new Refusal('fetch-envelope-exceeded', `module plan: ${plan.planned_fetch_count} planned fetches, over the envelope of ${FETCH_ENVELOPE} (FETCH_ENVELOPE)`);
  }
  let withFile = 0;
  for (const e of plan.entries || []) {
    let last = -1;
    (e.modules || []).forEach((m, i) => {
      const rank = PHASES.indexOf(m.phase);
      if (m.index !== i || rank < 0 || rank < last) throw new Refusal('plan-invalid', `module plan: entry ${e.entry}: module ${i} (${m.phase}) is out of order`);
      last = rank;
      if (m.file !== null) withFile += 1;
    });
  }
  if (withFile + 2 !== plan.planned_fetch_count) {
    throw new Refusal('plan-invalid', `module plan: planned_fetch_count ${plan.planned_fetch_count}, but its modules with a file plus the plan and the registry are ${withFile + 2}`);
  }
}

async function bootRegistry() {
  renderPhases();
  setRegistryState('booting', 'Reading the module plan…');
  try {
    asm.planUrl = new URL(PLAN_URL, location.href).href;
    let planBytes;
    try {
      planBytes = await accountedFetch(PLAN_URL);
    } catch (err) {
      if (err.code === 'module-unavailable') { // a site without a registry: the rest of the page works
        asm.fetches = [];
        setRegistryState('absent', 'This site has no selector registry (registry/module.plan.json): assembly is off.');
        ax.entry.replaceChildren();
        return;
      }
      throw err;
    }
    const plan = JSON.parse(utf8Text.decode(planBytes));
    checkPlan(plan);
    asm.plan = plan;
    setRegistryState('booting', `Module plan read (${plan.planned_fetch_count} planned fetches within ${FETCH_ENVELOPE}); reading the registry…`);
    asm.registryUrl = new URL(plan.registry, asm.planUrl).href;
    const registryBytes = await accountedFetch(asm.registryUrl);
    const digest = digestOf(await sha256(registryBytes));
    if (digest !== plan.registry_sha256) {
      // Halt before any .slm request.
      throw new Refusal('runtime-manifest-drift', `runtime-manifest-drift: the registry's SHA-256 is ${digest}, the module plan binds ${plan.registry_sha256}. Assembly halted; no model was requested.`);
    }
    const registry = JSON.parse(utf8Text.decode(registryBytes));
    if (registry.format !== REGISTRY_FORMAT) throw new Refusal('registry-invalid', `registry: format is not ${REGISTRY_FORMAT}`);
    asm.registry = registry;
    fillEntries();
    asm.booted = true;
    setRegistryState('ready', `Registry verified (${registry.entries.length} admitted entries, ${(registry.quarantined || []).length} quarantined; ledger head ${registry.ledger_head.slice(0, 23)}…). Choose an entry and assemble it.`);
  } catch (err) {
    asm.halted = { code: err.code || 'registry-invalid', message: err.message };
    setRegistryState('halted', err.message);
    showOutcome(false, asm.halted.code, err.message);
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
  const q = asm.registry.quarantined || [];
  if (q.length) {
    const g = document.createElement('optgroup');
    g.label = 'Quarantined';
    g.append(...q.map((item, i) => option(`quarantined:${i}`, `${item.file || item.sha256} — quarantined (${item.reason})`)));
    groups.push(g);
  }
  ax.entry.replaceChildren(...groups);
  describeEntry();
}

function describeEntry() {
  const id = ax.entry.value;
  const e = asm.registry && asm.registry.entries.find((x) => x.id === id);
  if (e) {
    const ev = e.admission.evidence.map((v) => `${v.source_kind} ${v.passed}/${v.cases} → ${v.claim}`).join('; ');
    ax.entryDescription.textContent = e.kind === 'stack'
      ? `Stack on ${e.base}: ${e.adapters.map((a) => `${a.file} (${a.format}, ${a.bytes.toLocaleString('en-US')} bytes)`).join(' + ')}; assembly checksum ${e.assembly_checksum}. Evidence: ${ev}.`
      : `Base model ${e.file}, ${e.bytes.toLocaleString('en-US')} bytes. Evidence: ${ev}.`;
  } else if (id.startsWith('quarantined:')) {
    const q = asm.registry.quarantined[Number(id.slice(12))];
    ax.entryDescription.textContent = `Quarantined by the registry (${q.reason}): ${q.file || q.sha256}.`;
  } else {
    ax.entryDescription.textContent = '';
  }
  updateControls();
}
ax.entry.addEventListener('change', describeEntry);

// ---------------------------------------------------------------------------
// Assembly of one entry.

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

/** Fetches (or reuses) one module's bytes and checks them against the plan: size first, then SHA-256. */
async function moduleBytes(m, row) {
  const want = m.sha256.replace(/^sha256:/, '');
  let bytes = asm.verified.get(want);
  if (bytes) {
    row.reused = true;
  } else {
    bytes = await accountedFetch(new URL(m.file, asm.planUrl).href);
  }
  row.actual = bytes.length;
  renderModules();
  if (bytes.length !== m.bytes) {
    row.sha256 = 'not checked (size differs)';
    renderModules();
    throw new Refusal('module-size-mismatch', `module ${m.index} (${m.file}): ${bytes.length.toLocaleString('en-US')} bytes fetched, the plan says ${m.bytes.toLocaleString('en-US')}`);
  }
  const got = await sha256(bytes);
  if (got !== want) {
    row.sha256 = `mismatch: ${got.slice(0, 16)}…`;
    renderModules();
    throw new Refusal('module-digest-mismatch', `module ${m.index} (${m.file}): SHA-256 ${got.slice(0, 16)}…, the plan says ${want.slice(0, 16)}…`);
  }
  row.sha256 = 'verified';
  renderModules();
  asm.verified.set(want, bytes);
  return bytes;
}

/** Checks one sidecar against the registry's admission evidence and the entry; returns its problems. */
function checkSidecar(bytes, item, ctx) {
  const problems = [];
  let sc = null;
  let text;
  try {
    text = utf8Text.decode(bytes);
    sc = JSON.parse(text);
  } catch {
    return { sidecar: null, recomputed: null, problems: ['the sidecar is not JSON'] };
  }
  try {
    if (canonical(sc) !== text) problems.push('the sidecar is not canonical JSON');
  } catch (err) {
    problems.push(`the sidecar is not canonical JSON (${err.message})`);
  }
  if (sc.format !== SIDECAR_FORMAT) problems.push(`format is not ${SIDECAR_FORMAT}`);
  const model = sc.model || {};
  if (model.sha256 !== ctx.modelSha256) problems.push(`the sidecar's model sha256 ${String(model.sha256).slice(0, 23)}… is not the model's ${ctx.modelSha256.slice(0, 23)}…`);
  if (canonical(model.identity || null) !== canonical(ctx.identity)) problems.push('the sidecar\'s model identity is not the model\'s');
  if (canonical(model.adapters || null) !== canonical(ctx.adapters)) problems.push('the sidecar\'s adapters are not the entry\'s stack');
  if ((model.assembly_checksum === undefined ? undefined : model.assembly_checksum) !== ctx.assemblyChecksum) {
    problems.push(`the sidecar's assembly checksum ${model.assembly_checksum} is not the entry's ${ctx.assemblyChecksum}`);
  }
  if (sc.eval_case_evidence_checksum !== item.eval_case_evidence_checksum) problems.push('the eval-case evidence checksum differs from the admission record\'s');
  if (sc.source_kind !== item.source_kind) problems.push(`source kind ${sc.source_kind}, the admission record says ${item.source_kind}`);
  const g = gate(sc);
  problems.push(...g.problems);
  if (g.claim !== sc.claim) problems.push(`the sidecar claims ${sc.claim}, the gate gives ${g.claim}`);
  if (g.claim !== item.claim) problems.push(`the admission record says ${item.claim}, the gate gives ${g.claim}`);
  if (item.passed !== g.passed || item.cases !== g.cases) problems.push(`the admission record says ${item.passed}/${item.cases} passed, the sidecar ${g.passed}/${g.cases}`);
  return { sidecar: sc, recomputed: g, problems };
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
    if (id.startsWith('quarantined:')) {
      const q = asm.registry.quarantined[Number(id.slice(12))];
      asm.evidence = [{ file: q.file || q.sha256, sidecar: null, recomputed: null, problems: [`quarantined by the registry (reason ${q.reason})`] }];
      throw new Refusal('evidence-rejected', `assembly evidence rejected: ${q.file || q.sha256} is quarantined (reason ${q.reason})`);
    }
    const entry = asm.registry.entries.find((e) => e.id === id);
    const planned = asm.plan.entries.find((e) => e.entry === id);
    if (!entry || !planned) throw new Refusal('plan-invalid', `entry ${id} is not in both the registry and the module plan`);
    const base = entry.kind === 'stack' ? asm.registry.entries.find((e) => e.id === entry.base) : entry;
    if (!base) throw new Refusal('registry-invalid', `stack ${id}: base ${entry.base} is not in the registry`);
    const adapters = entry.kind === 'stack' ? entry.adapters : [];
    const ctx = {
      modelSha256: base.sha256,
      identity: base.identity,
      adapters: adapters.map((a) => a.sha256),
      assemblyChecksum: entry.kind === 'stack' ? entry.assembly_checksum : null,
    };
    // The budget is checked before any byte is fetched.
    const declared = adapters.reduce((n, a) => n + a.bytes, 0);
    const plannedAdapterBytes = planned.modules.filter((m) => m.phase.startsWith('apply-adapter-stack-')).reduce((n, m) => n + m.bytes, 0);
    if (Math.max(declared, plannedAdapterBytes) > ADAPTER_AUTO_APPLY_BUDGET) {
      throw new Refusal('adapter-auto-apply-budget-exceeded', `${id}: the adapters are ${Math.max(declared, plannedAdapterBytes).toLocaleString('en-US')} bytes, over the auto-apply budget of ${ADAPTER_AUTO_APPLY_BUDGET.toLocaleString('en-US')} bytes (ADAPTER_AUTO_APPLY_BUDGET); nothing was fetched`);
    }
    for (const p of PHASES) setPhase(p, planned.modules.some((m) => m.phase === p) ? 'pending' : 'skipped');
    asm.modules = planned.modules.map((m) => ({ index: m.index, phase: m.phase, file: m.file, planned: m.file === null ? null : m.bytes, actual: null, sha256: m.file === null ? 'no file' : 'pending', reused: false }));
    renderModules();
    let modelBytes = null;
    let evidenceSeen = 0;
    let adapterAt = 0;
    for (const m of planned.modules) {
      current = m.phase;
      setPhase(m.phase, 'running');
      const row = asm.modules[m.index];
      const bytes = m.file === null ? null : await moduleBytes(m, row);
      switch (m.phase) {
        case 'load-model-bytes':
          if (m.sha256 !== base.sha256 || m.bytes !== base.bytes) throw new Refusal('plan-invalid', `module ${m.index}: the plan's model is not the registry's ${base.file}`);
          modelBytes = bytes;
          break;
        case 'verify-model-manifest': {
          // The runtime validates the model (every rule of slm1.md); its
          // identity must be the registry's.
          if (!modelBytes) throw new Refusal('plan-invalid', 'verify-model-manifest before load-model-bytes');
          const ok = await loadIntoRuntime(modelBytes.slice(), { name: id, source: 'registry', sha256: base.sha256.replace(/^sha256:/, '') });
          if (!ok) throw new Refusal('model-rejected', `the runtime refused ${base.file}: ${state.lastError.name} (${state.lastError.code})`);
          const got = identityFromSummary(state.summary);
          if (canonical(got) !== canonical(base.identity)) throw new Refusal('model-identity-mismatch', `${base.file}: the runtime reads identity ${canonical(got)}, the registry says ${canonical(base.identity)}`);
          break;
        }
        case 'verify-assembly-evidence': {
          const item = entry.admission.evidence.find((v) => v.sidecar_sha256 === m.sha256);
          evidenceSeen += 1;
          const checked = item ? checkSidecar(bytes, item, ctx) : { sidecar: null, recomputed: null, problems: [`${m.file} is not in the entry's admission record`] };
          asm.evidence.push({ file: m.file, ...checked });
          renderEvidence();
          if (checked.problems.length) throw new Refusal('evidence-rejected', `assembly evidence rejected: ${m.file}: ${checked.problems[0]}`);
          if (evidenceSeen === planned.modules.filter((x) => x.phase === m.phase).length) {
            const strongest = asm.evidence.reduce((best, ev) => (CLAIM_RANK[ev.recomputed.claim] > CLAIM_RANK[best] ? ev.recomputed.claim : best), 'none');
            if (strongest === 'none') throw new Refusal('evidence-rejected', `assembly evidence rejected: no sidecar of ${id} supports a claim (at least a passing runtime-smoke run is needed)`);
            if (entry.admission.claim !== strongest) throw new Refusal('evidence-rejected', `assembly evidence rejected: the admission claims ${entry.admission.claim}, the evidence supports ${strongest}`);
          }
          break;
        }
        case 'verify-adapter-family': {
          const applies = planned.modules.filter((x) => x.phase.startsWith('apply-adapter-stack-'));
          if (applies.length !== adapters.length || applies.some((x, k) => x.sha256 !== adapters[k].sha256 || x.bytes !== adapters[k].bytes)) {
            throw new Refusal('plan-invalid', `${id}: the plan's adapter modules are not the registry's stack`);
          }
          if (!adapters.every((a) => ADAPTER_MAGIC[a.format])) throw new Refusal('registry-invalid', `${id}: an adapter format is not ADP1, ASP1 or ALR1`);
          if (entry.adapter_bytes !== declared) throw new Refusal('registry-invalid', `${id}: adapter_bytes ${entry.adapter_bytes} is not the sum of its adapters (${declared})`);
          break;
        }
        default: { // apply-adapter-stack-k: validate, then apply, through the runtime
          const a = adapters[adapterAt];
          const magic = String.fromCharCode(...bytes.subarray(0, 4));
          if (magic !== a.format) throw new Refusal('module-format-mismatch', `${m.file}: magic ${magic}, the registry says ${a.format}`);
          const v = await request('validateAdapter', { bytes: bytes.slice().buffer });
          if (v.status !== 0) throw new Refusal('adapter-rejected', `the runtime refused ${m.file}: ${errorName(v.status)} (${v.status})`);
          const r = await request('applyAdapter', { bytes: bytes.slice().buffer });
          if (r.status !== 0) throw new Refusal('adapter-rejected', `the runtime could not apply ${m.file}: ${errorName(r.status)} (${r.status})`);
          asm.applied.push({ name: m.file, source: 'registry', sha256: a.sha256.replace(/^sha256:/, ''), bytes: a.bytes, format: a.format, checksumAfter: state.diag.adapters.assembly_checksum });
          adapterAt += 1;
          renderApplied();
        }
      }
      setPhase(m.phase, 'done');
    }
    current = null;
    const d = state.diag;
    if (!d || !d.model_loaded) throw new Refusal('plan-invalid', `${id}: the plan loads no model`);
    const want = entry.kind === 'stack' ? entry.assembly_checksum : d.model.file_checksum;
    if (d.adapters.assembly_checksum !== want || d.adapters.apply_count !== adapters.length) {
      throw new Refusal('assembly-checksum-mismatch', `${id}: the runtime's assembly checksum is ${d.adapters.assembly_checksum} after ${d.adapters.apply_count} adapters, the registry says ${want}`);
    }
    state.model = { name: id, source: 'registry', sha256: base.sha256.replace(/^sha256:/, '') };
    setModelState('loaded', `Assembled ${id} from the registry: ${d.model.architecture}, ${d.model.quantization}, ${adapters.length} adapter${adapters.length === 1 ? '' : 's'}, assembly checksum ${d.adapters.assembly_checksum} (the registry's); evidence verified, claim ${entry.admission.claim}.`);
    setStatus(`Assembled ${id}: every module verified, ${adapters.length} adapter${adapters.length === 1 ? '' : 's'} applied.`);
    showOutcome(true, null, `Assembled ${id}: assembly checksum ${d.adapters.assembly_checksum} equals the registry's; claim ${entry.admission.claim}.`);
  } catch (err) {
    if (current) setPhase(current, 'failed');
    const code = err.code || 'assembly-failed';
    // Nothing of a refused assembly stays in the runtime: generation is off
    // until another model is loaded or assembled.
    if (state.diag && state.diag.model_loaded) await request('unload');
    state.model = null;
    asm.applied = [];
    state.blocked = err.message;
    setModelState('rejected', `${err.message}. Generation is disabled.`);
    setStatus(code === 'evidence-rejected' ? 'Assembly evidence rejected: generation disabled.' : `Assembly refused: ${code}.`);
    recordError('assemble', code, code);
    showOutcome(false, code, err.message);
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
bootRegistry();
