import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnasMacroSpace } from '../../src/space/enas-macro.js';
import { EnasMicroSpace } from '../../src/space/enas-micro.js';
import { InvalidArchitectureError } from '../../src/space/errors.js';
import { MnasSpace } from '../../src/space/mnas.js';
import { createSpace, type SpaceConfig } from '../../src/space/registry.js';
import type { SearchSpace } from '../../src/space/types.js';
import { ValidationError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

const CONFIGS: SpaceConfig[] = [
  { name: 'nb201' },
  { name: 'enas-micro' },
  { name: 'enas-micro', blocks: 2, ops: ['identity', 'conv_3x3', 'max_pool_3x3'] },
  { name: 'enas-macro' },
  { name: 'enas-macro', layers: 3 },
  { name: 'mnas' },
  { name: 'mnas', kernels: [5], layerDeltas: [0, 1] },
];

const label = (c: SpaceConfig) => JSON.stringify(c);

function samples(space: SearchSpace, n = 200, seed = 7): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => space.sample(rng));
}

for (const config of CONFIGS) {
  describe(`space ${label(config)}`, () => {
    const space: SearchSpace = createSpace(config);

    test('is deterministic', () => {
      const again = createSpace(config);
      assert.deepEqual(again.decisions, space.decisions);
      assert.deepEqual(again.inputNodes, space.inputNodes);
      assert.deepEqual(samples(again), samples(space));
    });

    test('decision names are unique', () => {
      assert.equal(new Set(space.decisions.map((d) => d.name)).size, space.decisions.length);
    });

    test('encode/decode and toJSON/fromJSON round trip', () => {
      for (const arch of samples(space)) {
        space.validate(arch);
        assert.deepEqual(space.decode(space.encode(arch)), arch);
        const json = space.toJSON(arch);
        assert.deepEqual(space.fromJSON(json), arch);
        assert.deepEqual(space.fromJSON(JSON.parse(JSON.stringify(json))), arch);
        assert.deepEqual(space.fromJSON(json.arch), arch);
        assert.deepEqual(space.fromJSON({ space: json.space, arch: json.arch }), arch);
      }
    });

    test('mutate changes exactly one decision', () => {
      const rng = new Rng(11);
      for (const arch of samples(space)) {
        const before = [...arch];
        const child = space.mutate(arch, rng);
        assert.deepEqual(arch, before, 'mutate must not modify its input');
        space.validate(child);
        assert.equal(child.filter((v, i) => v !== arch[i]).length, 1);
      }
    });

    test('hash is stable and tells architectures apart', () => {
      const other = createSpace(config);
      const byEncoding = new Map<string, string>();
      for (const arch of samples(space)) {
        const h = space.hash(arch);
        assert.match(h, /^[0-9a-f]{16}$/);
        assert.equal(space.hash([...arch]), h);
        assert.equal(other.hash(arch), h);
        byEncoding.set(space.encode(arch), h);
      }
      assert.ok(byEncoding.size > 1);
      assert.equal(new Set(byEncoding.values()).size, byEncoding.size);
    });

    test('validate rejects out-of-range values, naming the decision', () => {
      const arch = samples(space, 1)[0]!;
      const last = space.decisions.length - 1;
      const d = space.decisions[last]!;
      for (const v of [d.choices.length, -1, 0.5, '0', undefined]) {
        const bad: unknown[] = [...arch];
        bad[last] = v;
        assert.throws(
          () => space.validate(bad),
          (e: unknown) => e instanceof InvalidArchitectureError && e.field === d.name && e.message.includes(d.name),
        );
      }
      assert.throws(() => space.validate(arch.slice(1)), InvalidArchitectureError);
    });
  });
}

describe('count', () => {
  test('matches hand-computed sizes', () => {
    const perCell = 2n * 2n * 9n * (3n * 3n * 9n);
    assert.equal(createSpace({ name: 'enas-micro', blocks: 2, ops: ['identity', 'conv_3x3', 'max_pool_3x3'] }).count(), perCell ** 2n);
    assert.equal(createSpace({ name: 'enas-macro', layers: 3 }).count(), 6n ** 3n * 2n ** 3n);
    assert.equal(createSpace({ name: 'enas-macro', layers: 12 }).count(), 6n ** 12n * 2n ** 66n);
    assert.equal(createSpace('mnas').count(), (4n * 2n * 2n * 2n * 3n * 3n) ** 7n);
  });
});

describe('createSpace', () => {
  const rejects = (config: unknown, field: string, ...mentions: string[]) =>
    assert.throws(
      () => createSpace(config as SpaceConfig),
      (e: unknown) =>
        e instanceof ValidationError &&
        e.field === field &&
        e.message.startsWith(`${field}:`) &&
        mentions.every((m) => e.message.includes(m)),
    );

  test('fills in defaults', () => {
    assert.deepEqual(createSpace('enas-micro').config, {
      blocks: 5,
      ops: ['sep_conv_3x3', 'sep_conv_5x5', 'avg_pool_3x3', 'max_pool_3x3', 'identity'],
      channels: 20,
    });
    assert.equal(createSpace('enas-macro').config.layers, 12);
    assert.deepEqual(createSpace('mnas').config.filterMultipliers, [0.75, 1, 1.25]);
  });

  test('bad configs name the field and the allowed values', () => {
    rejects({ name: 'enas-micro', ops: ['conv_9x9'] }, 'spec.space.ops.0', 'sep_conv_3x3', 'conv_3x3');
    rejects({ name: 'enas-micro', blocks: 0 }, 'spec.space.blocks');
    rejects({ name: 'warp' }, 'spec.space.name', 'enas-micro');
    rejects({ name: 'enas-macro', ops: ['conv_3x3', 'conv_3x3'] }, 'spec.space.ops');
    rejects({ name: 'mnas', kernels: [7] }, 'spec.space.kernels.0', '3', '5');
    rejects({ name: 'nb201', blocks: 3 }, 'spec.space');
  });
});

describe('decoding errors', () => {
  test('a bad label names the decision and its choices', () => {
    const space = createSpace({ name: 'enas-micro', blocks: 2 });
    const text = space.encode(space.sample(new Rng(1)));
    const bad = text.replace(/^(normal\.block0:[^,]+,[^,]+,)[^,]+/, '$1conv_9x9');
    assert.throws(
      () => space.decode(bad),
      (e: unknown) =>
        e instanceof InvalidArchitectureError &&
        e.field === 'normal.block0.op1' &&
        e.message.includes('conv_9x9') &&
        e.message.includes('avg_pool_3x3'),
    );
  });
});

describe('enas-micro', () => {
  const space = createSpace({ name: 'enas-micro', blocks: 3 }) as EnasMicroSpace;

  test('decisions follow ENAS order and naming', () => {
    assert.deepEqual(
      space.decisions.slice(0, 4).map((d) => [d.name, d.kind, d.node]),
      [
        ['normal.block0.input1', 'input', 'normal.block0'],
        ['normal.block0.input2', 'input', 'normal.block0'],
        ['normal.block0.op1', 'op', 'normal.block0'],
        ['normal.block0.op2', 'op', 'normal.block0'],
      ],
    );
    assert.equal(space.decisions.at(-1)!.name, 'reduce.block2.op2');
    assert.deepEqual(space.decisions[8]!.choices, ['in0', 'in1', 'block0', 'block1']);
    assert.deepEqual(space.inputNodes, [0, 1, 5, 6]);
  });

  test('selects, defines and inputNodes are consistent', () => {
    const defined = new Set(space.inputNodes);
    let defines = 0;
    for (const d of space.decisions) {
      if (d.kind === 'input') {
        assert.equal(d.selects?.length, d.choices.length, d.name);
        for (const id of d.selects!) assert.ok(defined.has(id), `${d.name} selects undefined node ${id}`);
      } else {
        assert.equal(d.selects, undefined, d.name);
      }
      if (d.defines !== undefined) {
        assert.ok(d.name.endsWith('.op2'), d.name);
        assert.ok(!defined.has(d.defines), `${d.name} redefines node ${d.defines}`);
        defined.add(d.defines);
        defines++;
      }
    }
    assert.equal(defines, 2 * 3);
    assert.deepEqual(
      [...defined].sort((a, b) => a - b),
      [...Array(2 * (3 + 2)).keys()],
    );
  });

  test('cells describes blocks and the concatenated outputs', () => {
    const arch = space.decode(
      'normal.block0:in0,in1,identity,sep_conv_3x3|normal.block1:block0,in1,avg_pool_3x3,identity|' +
        'normal.block2:in0,in0,max_pool_3x3,sep_conv_5x5|reduce.block0:in1,in1,identity,identity|' +
        'reduce.block1:in0,block0,identity,identity|reduce.block2:block1,block0,identity,identity',
    );
    const { normal, reduce } = space.cells(arch);
    assert.deepEqual(normal.blocks[1], { inputs: [2, 1], ops: ['avg_pool_3x3', 'identity'] });
    assert.deepEqual(normal.concat, [3, 4]);
    assert.deepEqual(reduce.concat, [4]);
  });
});

describe('enas-macro', () => {
  const space = createSpace({ name: 'enas-macro', layers: 4 }) as EnasMacroSpace;

  test('op then skips per layer; skips come from defined layers', () => {
    assert.deepEqual(
      space.decisions.map((d) => d.name),
      [
        'layer0.op',
        'layer1.op',
        'layer1.skip0',
        'layer2.op',
        'layer2.skip0',
        'layer2.skip1',
        'layer3.op',
        'layer3.skip0',
        'layer3.skip1',
        'layer3.skip2',
      ],
    );
    assert.deepEqual(space.inputNodes, []);
    const defined = new Set<number>();
    for (const d of space.decisions) {
      if (d.kind === 'skip') {
        assert.deepEqual(d.choices, ['0', '1']);
        assert.ok(defined.has(d.skipFrom!), d.name);
      }
      if (d.defines !== undefined) defined.add(d.defines);
    }
    assert.deepEqual([...defined], [0, 1, 2, 3]);
  });

  test('layers decodes ops and skips', () => {
    const arch = space.decode('layer0:conv_3x3|layer1:conv_5x5,1|layer2:max_pool_3x3,0,1|layer3:sep_conv_3x3,1,0,1');
    assert.deepEqual(space.layers(arch), [
      { op: 'conv_3x3', skips: [] },
      { op: 'conv_5x5', skips: [0] },
      { op: 'max_pool_3x3', skips: [1] },
      { op: 'sep_conv_3x3', skips: [0, 2] },
    ]);
  });
});

describe('mnas', () => {
  const space = createSpace('mnas') as MnasSpace;

  test('six decisions per block with string labels', () => {
    assert.equal(space.decisions.length, 42);
    assert.deepEqual(
      space.decisions.slice(0, 6).map((d) => [d.name, d.kind, d.choices.join(' ')]),
      [
        ['block0.conv', 'conv', 'conv dwconv mbconv_e3 mbconv_e6'],
        ['block0.kernel', 'kernel', '3 5'],
        ['block0.se', 'se', '0 0.25'],
        ['block0.skip', 'skip', 'none identity'],
        ['block0.filters', 'filters', '0.75 1 1.25'],
        ['block0.layers', 'layers', '-1 0 1'],
      ],
    );
  });

  test('blocks applies the MobileNetV2 skeleton', () => {
    const arch = space.fromJSON({
      space: 'mnas',
      decisions: Object.fromEntries(space.decisions.map((d) => [d.name, d.name.startsWith('block1.') ? d.choices.at(-1)! : d.choices[0]!])),
    });
    const blocks = space.blocks(arch);
    assert.equal(blocks.length, 7);
    assert.deepEqual(blocks[0], { convOp: 'conv', kernel: 3, seRatio: 0, skipOp: 'none', filters: 16, layers: 1, stride: 1 });
    // 24 * 1.25 = 30 rounds to 32; 2 + 1 layers.
    assert.deepEqual(blocks[1], { convOp: 'mbconv_e6', kernel: 5, seRatio: 0.25, skipOp: 'identity', filters: 32, layers: 3, stride: 2 });
    // 320 * 0.75 = 240; layers never drop below 1.
    assert.deepEqual([blocks[6]!.filters, blocks[6]!.layers], [240, 1]);
  });
});
