// The worker's incremental SHA-256 (static/sha256.js) against WebCrypto's
// one-shot digest: random inputs of random lengths (0 to 300 KiB, the block
// edges 55/56/63/64/65 among them), each hashed in random chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { randomBytes, randomInt, webcrypto } from 'node:crypto';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), '..', 'static');
const sandbox = {};
vm.runInNewContext(readFileSync(join(STATIC, 'sha256.js'), 'utf8'), sandbox);
const { Sha256 } = sandbox;
const hex = (buf) => Buffer.from(buf).toString('hex');

test('incremental SHA-256 equals crypto.subtle.digest at any chunk boundaries', async () => {
  const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000];
  for (let i = 0; i < 60; i++) lengths.push(randomInt(0, 300 * 1024));
  for (const len of lengths) {
    const data = new Uint8Array(randomBytes(len));
    const expected = hex(await webcrypto.subtle.digest('SHA-256', data));
    const h = new Sha256();
    for (let at = 0; at < len;) {
      const n = Math.min(len - at, randomInt(0, 3) === 0 ? randomInt(0, 70) : randomInt(0, 70000));
      h.update(data.subarray(at, at + n));
      at += n;
    }
    assert.equal(h.hex(), expected, `length ${len}`);
  }
});

test('a digest is taken once; a changed byte changes it', () => {
  const a = new Sha256().update(new Uint8Array([1, 2, 3]));
  const d = a.hex();
  assert.throws(() => a.hex());
  assert.notEqual(new Sha256().update(new Uint8Array([1, 2, 4])).hex(), d);
  assert.equal(new Sha256().hex(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
