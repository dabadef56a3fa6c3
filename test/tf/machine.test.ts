import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { before, describe, it } from 'node:test';
import { initBackend, tf } from '../../src/tf/backend.js';
import { cpuExtensions, cpuModelId, describeMachine } from '../../src/tf/machine.js';

// Abridged /proc/cpuinfo of the two kinds of CPU this project's results were measured on, and of an Arm server.
const EPYC_AVX512 = `processor\t: 0
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx avx2 avx512f avx512dq avx512_bf16 avx512_vnni avx512vl
processor\t: 1
flags\t\t: fpu sse sse2 amx_tile
`;
const EPYC_AVX2 = 'model name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx fma avx2 sha_ni\n';
const GRAVITON =
  'processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes sve sve2 bf16\nCPU implementer\t: 0x41\nCPU part\t: 0xd40\n';

describe('the machine record (summary.json)', () => {
  before(async () => {
    await initBackend();
  });

  it("names the kernels' instruction-set extensions the CPU has, from the first flags line, in a fixed order", () => {
    // avx512dq and avx512vl are not among the extensions recorded; amx_tile is on the second CPU's line only.
    assert.deepEqual(cpuExtensions(EPYC_AVX512), ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16']);
    assert.deepEqual(cpuExtensions(EPYC_AVX2), ['sse4_2', 'avx', 'avx2', 'fma']);
    assert.deepEqual(cpuExtensions(GRAVITON), ['asimd', 'sve', 'sve2']);
    assert.deepEqual(cpuExtensions('processor\t: 0\n'), []);
  });

  it("numbers the CPU's generation where the model name does not: x86 family and model, Arm implementer and part", () => {
    assert.equal(cpuModelId(EPYC_AVX512), 'family 25, model 17');
    assert.equal(cpuModelId(GRAVITON), 'implementer 0x41, part 0xd40');
    assert.equal(cpuModelId(EPYC_AVX2), undefined, 'the model name alone');
    assert.equal(describeMachine(EPYC_AVX512).cpuModelId, 'family 25, model 17');
    assert.equal('cpuModelId' in describeMachine(EPYC_AVX2), false);
  });

  it('records the backend in use, with its threads where it is tensorflow, and this machine', () => {
    const m = describeMachine(EPYC_AVX2);
    assert.equal(m.backend, tf.getBackend());
    if (m.backend === 'tensorflow') {
      assert.equal(m.intraOpThreads, Number(process.env.TF_NUM_INTRAOP_THREADS));
      assert.match(m.backendPackage ?? '', /^@tensorflow\/tfjs-node/);
      assert.equal(m.gpu !== undefined, m.backendPackage === '@tensorflow/tfjs-node-gpu', 'whether a GPU was found: the GPU package only');
    } else {
      assert.equal(m.intraOpThreads, undefined);
    }
    assert.deepEqual(m.cpuExtensions, ['sse4_2', 'avx', 'avx2', 'fma']);
    assert.equal(m.cores, availableParallelism());
    assert.equal(m.node, process.version);
    assert.match(m.platform, /^[a-z0-9]+-[a-z0-9]+$/);
    assert.ok(m.cpu.length > 0);
  });

  it('leaves the extensions out where the OS does not list them', () => {
    assert.equal('cpuExtensions' in describeMachine(null), false);
    assert.equal('cpuModelId' in describeMachine(null), false);
  });
});
