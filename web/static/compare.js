// Compare: two resident models in one runtime instance (spec/abi.md §4.2,
// ABI 2; issue 18). The base of a registry stack and the same base with the
// stack's adapters applied are streamed once each into one instance
// (slm_load_end_model), with one session each; each Generate selects its
// session (slm_session_use) and runs slm_generate, so switching between the
// two reloads nothing. What is loaded comes from the module plan
// (registry/module.plan.json): the stack's base module and its adapter
// modules, with their sizes and SHA-256, each verified as it streams.
// Uses app.js's request, readConfig, showConfigError and state.
'use strict';

const COMPARE_ENTRY = 'bard-q8_0+comedy'; // default; ?compare=<entry id> picks another stack of the plan
const compareUi = {
  load: document.getElementById('compare-load'),
  state: document.getElementById('compare-state'),
  gen: [document.getElementById('compare-gen-0'), document.getElementById('compare-gen-1')],
  out: [document.getElementById('compare-out-0'), document.getElementById('compare-out-1')],
  label: [document.getElementById('compare-label-0'), document.getElementById('compare-label-1')],
};
const compare = { loaded: false, busy: false, names: [], generations: [0, 0] };

function compareControls() {
  compareUi.load.disabled = compare.busy || !state.ready;
  compareUi.gen.forEach((b) => { b.disabled = compare.busy || !compare.loaded; });
}

/** Progress of the compare load (worker.js 'progress' messages with a model index). */
function compareProgress(m) {
  compareUi.state.textContent = `Streaming model ${m.model + 1} of 2 (${compare.names[m.model] || ''}): ` +
    `${m.done.toLocaleString('en-US')} / ${m.total.toLocaleString('en-US')} bytes, SHA-256 verified as it streams…`;
}

const bare = (d) => d.replace(/^sha256:/, '');

async function comparePlan(entryId) {
  const plan = await (await fetch(new URL('registry/module.plan.json', location.href), { cache: 'no-store' })).json();
  const entry = plan.entries.find((e) => e.entry === entryId);
  if (!entry) throw new Error(`the module plan has no entry ${entryId}`);
  const base = entry.modules.find((m) => m.phase === 'load-model-bytes');
  const adapters = entry.modules.filter((m) => /^apply-adapter-stack-\d+$/.test(m.phase));
  if (!base || adapters.length === 0) throw new Error(`${entryId} is not a base with an adapter stack`);
  const at = (file) => new URL(`registry/${file}`, location.href).href;
  const baseName = base.file.replace(/^.*\//, '').replace(/\.slm$/, '');
  const model = { url: at(base.file), sha256: bare(base.sha256), bytes: base.bytes };
  return {
    names: [baseName, entryId],
    models: [model, { ...model, adapters: adapters.map((a) => ({ url: at(a.file), sha256: bare(a.sha256), bytes: a.bytes })) }],
  };
}

compareUi.load.addEventListener('click', async () => {
  compare.busy = true;
  compare.loaded = false;
  compareControls();
  try {
    const entryId = new URL(location.href).searchParams.get('compare') || COMPARE_ENTRY;
    const p = await comparePlan(entryId);
    compare.names = p.names;
    compareUi.label.forEach((l, k) => { l.textContent = p.names[k]; });
    compareUi.out.forEach((o) => { o.textContent = ''; });
    compare.generations = [0, 0];
    const r = await request('compareLoad', { models: p.models });
    if (r.status === -2) {
      compareUi.state.textContent = `Compare refused: SHA-256 mismatch for ${r.adapter || compare.names[r.model]}; the load was aborted, nothing of it ran.`;
    } else if (r.status !== 0) {
      compareUi.state.textContent = `Compare failed: ${r.message || `${errorName(r.status)} (${r.status})`}${r.step ? ` at ${r.step} of model ${r.model + 1}` : ''}.`;
    } else {
      compare.loaded = true;
      compare.sessions = r.sessions;
      const d = r.compareDiag;
      compareUi.state.textContent = `Two models resident in one instance: ${p.names[0]} and ${p.names[1]} ` +
        `(${d ? d.adapters.apply_count : '?'} adapter${d && d.adapters.apply_count === 1 ? '' : 's'} on the second), ` +
        `one session each; WebAssembly memory ${r.compareMemoryBytes.toLocaleString('en-US')} bytes.`;
    }
  } catch (err) {
    compareUi.state.textContent = `Compare failed: ${err.message}.`;
  } finally {
    compare.busy = false;
    compareControls();
  }
});

compareUi.gen.forEach((button, which) => button.addEventListener('click', async () => {
  let cfg;
  try {
    cfg = readConfig();
  } catch (err) {
    showConfigError(err.message);
    return;
  }
  showConfigError('');
  compare.busy = true;
  compareControls();
  try {
    const prompt = document.getElementById('prompt').value;
    const r = await request('compareGenerate', { which, prompt, sampling: cfg.sampling, maxTokens: cfg.maxTokens });
    if (r.status !== 0) {
      compareUi.out[which].textContent = `Generate failed: ${r.message || `${errorName(r.status)} (${r.status})`}`;
    } else {
      compare.generations[which] += 1;
      compareUi.out[which].textContent = prompt + new TextDecoder('utf-8').decode(r.bytes);
      compareUi.out[which].dataset.stop = r.stop;
    }
  } finally {
    compare.busy = false;
    compareControls();
  }
}));

window.tinyrustlmCompare = {
  get state() { return { ...compare }; },
  idle() {
    return new Promise((resolve) => {
      const check = () => (!compare.busy ? resolve() : setTimeout(check, 2));
      check();
    });
  },
};
compareControls();
