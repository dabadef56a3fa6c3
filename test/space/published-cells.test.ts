import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnasMicroSpace, type MicroOp } from '../../src/space/enas-micro.js';
import { InvalidArchitectureError } from '../../src/space/errors.js';
import { PUBLISHED_CELLS } from '../../src/space/published-cells.js';
import { createSpace } from '../../src/space/registry.js';

/** enas-micro as a spec gets it: the registry's defaults, or these ops. */
function space(ops?: MicroOp[]): EnasMicroSpace {
  const s = createSpace({ name: 'enas-micro', ...(ops && { ops }) });
  assert.ok(s instanceof EnasMicroSpace);
  return s;
}
const DEFAULT_OPS = space().config.ops;

test("ENAS's cell decodes in the default ops, as the paper draws it", () => {
  const s = space();
  const { normal, reduce } = s.cells(s.decode(PUBLISHED_CELLS.enas));
  assert.deepEqual(normal.blocks[0], { inputs: [0, 0], ops: ['avg_pool_3x3', 'sep_conv_3x3'] });
  assert.deepEqual(normal.concat, [2, 3, 4, 5, 6]);
  // reduce.block2 reads block1, so block1 is not part of the output.
  assert.deepEqual(reduce.blocks[2], { inputs: [1, 3], ops: ['sep_conv_5x5', 'sep_conv_5x5'] });
  assert.deepEqual(reduce.concat, [2, 4, 5, 6]);
});

test('NASNet-A decodes once sep_conv_7x7 is an op, and names it when it is not', () => {
  const s = space([...DEFAULT_OPS, 'sep_conv_7x7']);
  const { normal, reduce } = s.cells(s.decode(PUBLISHED_CELLS['nasnet-a']));
  assert.deepEqual(normal.blocks[4], { inputs: [1, 1], ops: ['sep_conv_3x3', 'identity'] });
  assert.deepEqual(reduce.blocks[3], { inputs: [3, 2], ops: ['identity', 'avg_pool_3x3'] });
  assert.deepEqual(reduce.concat, [4, 5, 6]);
  assert.throws(
    () => space().decode(PUBLISHED_CELLS['nasnet-a']),
    (e: unknown) => e instanceof InvalidArchitectureError && /sep_conv_7x7/.test(e.message),
  );
});
