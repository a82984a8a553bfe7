// Cargo's runner for the runtime's unit tests built for wasm32-wasip1
// (`CARGO_TARGET_WASM32_WASIP1_RUNNER="node reference-runtime/tests/wasi-runner.mjs"`):
// runs the libtest binary in Node's WASI with its arguments (test filters)
// and exits with its status. The `env` import is the runtime's one host
// function, the clock ([ABI-TYPE-03]).
//
// test-all uses it to run the kernel tests (`model::simd`) and the model,
// sampler and quantization tests inside WebAssembly with the simd128 kernels
// compiled in, so `Isa::Simd128` is checked against the portable path on the
// same random and edge inputs as the x86 paths. wasip1 has no unwinding: the
// first failing test aborts the run (a non-zero status).
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, {
  ...wasi.getImportObject(),
  env: { slm_host_now_ms: () => performance.now() },
});
process.exitCode = wasi.start(instance);
