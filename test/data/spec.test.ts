import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDataset, parseDatasetSpec, resolveAugment } from '../../src/data/index.js';
import { ValidationError } from '../../src/util/errors.js';

async function rejectsField(fn: () => unknown, field: string, fragment: string) {
  await assert.rejects(
    async () => fn(),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
      assert.equal(err.field, field);
      assert.ok(err.message.includes(fragment), `"${err.message}" lacks "${fragment}"`);
      return true;
    },
  );
}

describe('datasetSpecSchema', () => {
  it('fills defaults: validation 5000 / seed 0, augmentation per dataset', () => {
    const mnist = parseDatasetSpec({ name: 'mnist' });
    assert.deepEqual(mnist.validation, { size: 5000, seed: 0 });
    assert.deepEqual(resolveAugment(mnist), { pad: 0, flip: false });
    assert.deepEqual(resolveAugment(parseDatasetSpec({ name: 'cifar10', path: '/x' })), { pad: 4, flip: true });
    assert.deepEqual(resolveAugment(parseDatasetSpec({ name: 'fashion-mnist', augment: { pad: 2 } })), { pad: 2, flip: false });
  });

  it('names the field of a bad spec', async () => {
    await rejectsField(() => parseDatasetSpec({ name: 'cifar10' }), 'spec.dataset.path', 'required for dataset cifar10');
    await rejectsField(() => parseDatasetSpec({ name: 'idx' }), 'spec.dataset.path', 'required');
    await rejectsField(() => parseDatasetSpec({ name: 'svhn' }), 'spec.dataset.name', 'allowed: mnist, fashion-mnist, cifar10, idx');
    await rejectsField(() => parseDatasetSpec({ name: 'mnist', validation: { size: -1 } }), 'spec.dataset.validation.size', '');
    await rejectsField(() => parseDatasetSpec({ name: 'mnist', subset: 0 }), 'spec.dataset.subset', '');
    await rejectsField(() => parseDatasetSpec({ name: 'mnist', classes: 5 }), 'spec.dataset.classes', 'only for dataset idx');
  });

  it('rejects a validation split that leaves nothing to train on', async () => {
    await rejectsField(
      () => loadDataset({ name: 'mnist', validation: { size: 60000 } }),
      'spec.dataset.validation.size',
      'leaves no training samples',
    );
  });
});
