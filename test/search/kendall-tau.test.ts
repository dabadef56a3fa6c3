import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kendallTau } from '../../src/search/kendall-tau.js';

describe('Kendall τ-b', () => {
  it('is 1 for the same order, −1 for the reverse, whatever the scale', () => {
    assert.equal(kendallTau([0.1, 0.2, 0.3, 0.4], [10, 20, 30, 40]), 1);
    assert.equal(kendallTau([0.1, 0.2, 0.3, 0.4], [0.9, 0.5, 0.2, 0.1]), -1);
  });

  it('counts concordant against discordant pairs: 6 against 4 of 10 is 0.2', () => {
    assert.ok(Math.abs(kendallTau([1, 2, 3, 4, 5], [3, 4, 1, 2, 5])! - 0.2) < 1e-12);
  });

  it('leaves ties out of the denominator (τ-b): 5 concordant, one pair tied in x, is 5/√30', () => {
    assert.ok(Math.abs(kendallTau([1, 2, 2, 3], [1, 3, 2, 4])! - 5 / Math.sqrt(30)) < 1e-12);
    // Tied in y instead: symmetric.
    assert.ok(Math.abs(kendallTau([1, 3, 2, 4], [1, 2, 2, 3])! - 5 / Math.sqrt(30)) < 1e-12);
  });

  it('is undefined (null) for fewer than two items or a score without any order', () => {
    assert.equal(kendallTau([], []), null);
    assert.equal(kendallTau([0.5], [0.7]), null);
    assert.equal(kendallTau([0.5, 0.5, 0.5], [0.1, 0.2, 0.3]), null);
  });

  it('refuses scores of different lengths', () => {
    assert.throws(() => kendallTau([1, 2], [1]), /2 scores against 1/);
  });
});
