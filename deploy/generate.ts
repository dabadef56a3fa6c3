import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES } from './generated-files.js';

/** `make generate`: writes every generated file (deploy/generated-files.ts). */
const root = fileURLToPath(new URL('../', import.meta.url));
for (const { path, content } of GENERATED_FILES) {
  mkdirSync(dirname(`${root}${path}`), { recursive: true });
  writeFileSync(`${root}${path}`, content());
  console.log(`wrote ${path}`);
}
