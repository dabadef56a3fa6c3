import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES } from '../../deploy/generated-files.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('generated files', () => {
  for (const { path, content } of GENERATED_FILES) {
    it(`${path} is what its source generates`, () => {
      assert.ok(existsSync(`${root}${path}`), `${path} is missing: run \`make generate\` and commit it`);
      assert.ok(readFileSync(`${root}${path}`, 'utf8') === content(), `${path} is stale: run \`make generate\` and commit it`);
    });
  }
});
