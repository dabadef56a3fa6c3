import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/util/errors.js';
import { createReward, mnasReward, ParetoFront, parseRewardSpec } from '../../src/reward/index.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

/** Asserts `fn` throws a ValidationError whose message contains every fragment. */
function throwsValidation(fn: () => unknown, field: string, ...fragments: string[]) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.equal(err.field, field);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    return true;
  });
}

describe('mnasReward', () => {
  it('soft: ACC × (LAT/T)^-0.07 on both sides of the target', () => {
    close(mnasReward(0.75, 80, 80, -0.07, -0.07), 0.75);
    close(mnasReward(0.75, 160, 80, -0.07, -0.07), 0.75 * 2 ** -0.07); // ≈ 0.71424
    close(mnasReward(0.75, 40, 80, -0.07, -0.07), 0.75 * 0.5 ** -0.07); // faster than target earns a bonus
  });

  it('hard: no bonus below the target, 1/x penalty above', () => {
    close(mnasReward(0.75, 40, 80, 0, -1), 0.75);
    close(mnasReward(0.75, 80, 80, 0, -1), 0.75);
    close(mnasReward(0.75, 160, 80, 0, -1), 0.375);
  });
});

describe('createReward', () => {
  it('accuracy objective returns the accuracy and ignores costs', () => {
    const reward = createReward({ objective: 'accuracy' });
    assert.equal(reward({ accuracy: 0.9, latencyMs: 1e6 }), 0.9);
    assert.equal(createReward('accuracy')({ accuracy: 0.4 }), 0.4);
  });

  it('mnas modes default to soft and match the paper presets', () => {
    const soft = createReward({ objective: 'mnas', targetLatencyMs: 80 });
    close(soft({ accuracy: 0.75, latencyMs: 160 }), 0.75 * 2 ** -0.07);
    const hard = createReward({ objective: 'mnas', targetLatencyMs: 80, mode: 'hard' });
    close(hard({ accuracy: 0.75, latencyMs: 40 }), 0.75);
    close(hard({ accuracy: 0.75, latencyMs: 160 }), 0.375);
  });

  it('explicit alpha/beta override only the exponent given', () => {
    const r = createReward({ objective: 'mnas', targetLatencyMs: 80, mode: 'hard', beta: -0.5 });
    close(r({ accuracy: 0.8, latencyMs: 320 }), 0.8 * 4 ** -0.5); // beta overridden: 0.4
    close(r({ accuracy: 0.8, latencyMs: 20 }), 0.8); // alpha still hard's 0
    const a = createReward({ objective: 'mnas', targetLatencyMs: 80, alpha: -1 });
    close(a({ accuracy: 0.5, latencyMs: 40 }), 1); // 0.5 × 0.5^-1
    close(a({ accuracy: 0.75, latencyMs: 160 }), 0.75 * 2 ** -0.07); // beta still soft's
  });

  it('params and flops terms penalise only above their targets', () => {
    const r = createReward({
      objective: 'mnas',
      targetLatencyMs: 80,
      mode: 'hard',
      params: { target: 1e6, weight: -1 },
      flops: { target: 3e8 },
    });
    close(r({ accuracy: 0.8, latencyMs: 80, params: 5e5, flops: 1e8 }), 0.8);
    close(r({ accuracy: 0.8, latencyMs: 80, params: 2e6, flops: 1e8 }), 0.4);
    close(r({ accuracy: 0.8, latencyMs: 80, params: 1e6, flops: 6e8 }), 0.8 * 2 ** -0.07); // default weight
    close(r({ accuracy: 0.8, latencyMs: 160, params: 2e6, flops: 6e8 }), 0.8 * 0.5 * 0.5 * 2 ** -0.07);
  });

  it('names the missing or unusable metric', () => {
    const r = createReward({ objective: 'mnas', targetLatencyMs: 80, params: { target: 1e6 } });
    throwsValidation(() => r({ accuracy: 0.7 }), 'metrics.latencyMs', 'metrics.latencyMs', 'required by objective mnas');
    throwsValidation(() => r({ accuracy: 0.7, latencyMs: 50 }), 'metrics.params', 'spec.reward.params');
    throwsValidation(() => r({ accuracy: 0.7, latencyMs: NaN, params: 1 }), 'metrics.latencyMs', 'finite');
    throwsValidation(() => r({ accuracy: 0.7, latencyMs: 0, params: 1 }), 'metrics.latencyMs', '> 0');
    throwsValidation(() => r({ accuracy: 75, latencyMs: 50, params: 1 }), 'metrics.accuracy', '[0, 1]');
    throwsValidation(() => createReward('accuracy')({} as never), 'metrics.accuracy', 'required by objective accuracy');
  });
});

describe('parseRewardSpec', () => {
  it('fills defaults', () => {
    assert.deepEqual(parseRewardSpec({ objective: 'mnas', targetLatencyMs: 80, flops: { target: 1 } }), {
      objective: 'mnas',
      targetLatencyMs: 80,
      mode: 'soft',
      flops: { target: 1, weight: -0.07 },
    });
  });

  it('errors name the field path and the allowed values', () => {
    throwsValidation(
      () => parseRewardSpec({ objective: 'mnas', targetLatencyMs: 80, mode: 'medium' }),
      'spec.reward.mode',
      'spec.reward.mode',
      'soft',
      'hard',
    );
    throwsValidation(() => parseRewardSpec({ objective: 'speed' }), 'spec.reward.objective', 'accuracy', 'mnas');
    throwsValidation(() => parseRewardSpec('mnas'), 'spec.reward.targetLatencyMs');
    throwsValidation(() => parseRewardSpec({ objective: 'mnas', targetLatencyMs: 0 }), 'spec.reward.targetLatencyMs');
    throwsValidation(
      () => parseRewardSpec({ objective: 'mnas', targetLatencyMs: 80, params: { target: 1, weight: 0.5 } }),
      'spec.reward.params.weight',
    );
    throwsValidation(() => parseRewardSpec({ objective: 'mnas', targetLatencyMs: 80, beta: 1 }), 'spec.reward.beta');
    throwsValidation(() => parseRewardSpec({ objective: 'accuracy', extra: 1 }, 'x.reward'), 'x.reward', 'extra');
  });
});

describe('ParetoFront', () => {
  it('keeps non-dominated points and drops dominated ones', () => {
    const front = new ParetoFront<string>();
    assert.equal(front.add({ accuracy: 0.7, latencyMs: 50 }, 'a'), true);
    assert.equal(front.add({ accuracy: 0.8, latencyMs: 90 }, 'b'), true); // trade-off: both stay
    assert.equal(front.add({ accuracy: 0.65, latencyMs: 60 }, 'c'), false); // dominated by a
    assert.equal(front.add({ accuracy: 0.75, latencyMs: 45 }, 'd'), true); // dominates a
    assert.deepEqual(
      front.points().map((e) => e.item),
      ['d', 'b'],
    );
    assert.equal(front.add({ accuracy: 0.9, latencyMs: 40 }, 'e'), true); // dominates everything
    assert.deepEqual(
      front.points().map((e) => e.item),
      ['e'],
    );
  });

  it('keeps the incumbent on ties; equal on some objectives but better on one still dominates', () => {
    const front = new ParetoFront<string>(['latencyMs', 'params']);
    assert.equal(front.add({ accuracy: 0.7, latencyMs: 50, params: 100 }, 'first'), true);
    assert.equal(front.add({ accuracy: 0.7, latencyMs: 50, params: 100, flops: 1 }, 'same'), false);
    assert.equal(front.add({ accuracy: 0.7, latencyMs: 50, params: 90 }, 'smaller'), true);
    assert.deepEqual(
      front.points().map((e) => e.item),
      ['smaller'],
    );
  });

  it('sorts by latency, then accuracy descending, then params', () => {
    const front = new ParetoFront<string>(['latencyMs', 'params']);
    front.add({ accuracy: 0.8, latencyMs: 60, params: 300 }, 'slow');
    front.add({ accuracy: 0.7, latencyMs: 40, params: 100 }, 'low-acc');
    front.add({ accuracy: 0.75, latencyMs: 40, params: 200 }, 'high-acc');
    front.add({ accuracy: 0.75, latencyMs: 40, params: 150 }, 'high-acc-small'); // dominates high-acc
    front.add({ accuracy: 0.9, latencyMs: 60, params: 100 }, 'best-slow'); // dominates slow
    assert.deepEqual(
      front.points().map((e) => e.item),
      ['high-acc-small', 'low-acc', 'best-slow'],
    );
  });

  it('fixes the objectives from the first point and requires them afterwards', () => {
    const front = new ParetoFront<number>();
    throwsValidation(() => front.add({ accuracy: 0.5, latencyMs: -1 }, 0), 'metrics.latencyMs', '> 0');
    assert.equal(front.costs, undefined); // a rejected point does not fix the objectives
    front.add({ accuracy: 0.5, latencyMs: 10 }, 1);
    assert.deepEqual(front.costs, ['latencyMs']);
    throwsValidation(() => front.add({ accuracy: 0.6 }, 2), 'metrics.latencyMs', 'required by the Pareto front');
    // params is not tracked here: ignored for dominance
    assert.equal(front.add({ accuracy: 0.5, latencyMs: 10, params: 1 }, 3), false);
  });

  it('round-trips through JSON', () => {
    const front = new ParetoFront<{ arch: string }>(['latencyMs', 'params']);
    front.add({ accuracy: 0.7, latencyMs: 50, params: 10, flops: 5 }, { arch: 'a' });
    front.add({ accuracy: 0.8, latencyMs: 90, params: 20 }, { arch: 'b' });
    front.add({ accuracy: 0.6, latencyMs: 30, params: 30 }, { arch: 'c' });
    const json = JSON.parse(JSON.stringify(front));
    const restored = ParetoFront.fromJSON<{ arch: string }>(json);
    assert.deepEqual(restored.points(), front.points());
    assert.deepEqual(restored.toJSON(), front.toJSON());
    assert.deepEqual(restored.costs, ['latencyMs', 'params']);
    assert.deepEqual(ParetoFront.fromJSON(new ParetoFront().toJSON()).toJSON(), { costs: null, entries: [] });
  });

  it('rejects corrupt checkpoints with a field path', () => {
    const entry = (accuracy: number, latencyMs: number) => ({ point: { accuracy, latencyMs }, item: null });
    throwsValidation(
      () => ParetoFront.fromJSON({ costs: ['latencyMs'], entries: [entry(0.7, 50), entry(0.6, 60)] }, undefined, 'ckpt'),
      'ckpt.entries',
      'dominated',
    );
    throwsValidation(
      () => ParetoFront.fromJSON({ costs: ['flops'], entries: [] }, undefined, 'ckpt'),
      'ckpt.costs.0',
      'latencyMs',
      'params',
    );
    throwsValidation(
      () => ParetoFront.fromJSON({ costs: ['params'], entries: [entry(0.7, 50)] }, undefined, 'ckpt'),
      'ckpt.entries.0.point.params',
      'required',
    );
  });
});
