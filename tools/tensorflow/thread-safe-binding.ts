import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * tfjs-node's binding keeps the names of op attributes in one process-wide std::set (ATTR_NAME_SET in
 * binding/tfjs_backend.cc) and inserts into it on every op, unlocked. Each worker thread loads its own copy of the
 * addon's JavaScript but the native library once, so two threads running ops (the final stage's data-parallel
 * replicas, the standalone evaluators' pool) insert at once and corrupt the tree: measured here, 3 of 6 two-replica
 * trainings on the tensorflow backend segfaulted in std::set::insert under tfnodejs::AssignOpAttr before their
 * first epoch ended. A mutex around the insert makes it safe; the set's nodes never move, so a name's pointer stays
 * valid after the lock is released.
 */

/** Recorded in the setup's marker file, so an addon built without the patch is rebuilt. */
export const BINDING_PATCH = 'thread-safe-attr-names';

const SOURCE = join('binding', 'tfjs_backend.cc');
const DECLARATION = 'static std::set<std::string> ATTR_NAME_SET;';
const INSERT = 'ATTR_NAME_SET.insert(attr_name_string.c_str()).first->c_str();';
const PATCHED = `// ${BINDING_PATCH}`;

/** Patches `pkg`'s binding source in place (idempotent); throws naming what it could not find. */
export function patchBinding(pkg: string): void {
  const path = join(pkg, SOURCE);
  const source = readFileSync(path, 'utf8');
  if (source.includes(PATCHED)) return;
  if (!source.includes(DECLARATION) || !source.includes(INSERT)) {
    throw new Error(`${SOURCE} of @tensorflow/tfjs-node no longer has the attribute-name set this patch makes thread-safe`);
  }
  const patched = source
    .replace('#include <set>', '#include <mutex>\n#include <set>')
    .replace(DECLARATION, `${DECLARATION}\n${PATCHED}: worker threads insert concurrently.\nstatic std::mutex ATTR_NAME_SET_MUTEX;`)
    .replace(
      INSERT,
      `[&] {\n        std::lock_guard<std::mutex> lock(ATTR_NAME_SET_MUTEX);\n        return ${INSERT.slice(0, -1)};\n      }();`,
    );
  writeFileSync(path, patched);
}
