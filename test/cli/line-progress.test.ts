import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineProgress } from '../../src/progress/line-progress.js';
import { duration } from '../../src/progress/progress-text.js';
import type { SearchProgress } from '../../src/search/types.js';

/** A LineProgress writing into `written`, on a clock the test moves (milliseconds). */
function lines() {
  const written: string[] = [];
  let now = 0;
  const display = new LineProgress({ write: (text: string) => written.push(text) }, () => now);
  return { written, display, at: (seconds: number) => (now = seconds * 1000) };
}

const supernet = (done: number, total: number, extra: Partial<SearchProgress> = {}): SearchProgress => ({
  phase: 'supernet',
  done,
  total,
  unit: 'steps',
  ...extra,
});

describe('LineProgress (output that is not a terminal)', () => {
  it('writes one whole line per step of a coarse phase, each with elapsed time and ETA, never a carriage return', () => {
    const { written, display, at } = lines();
    for (let step = 0; step <= 4; step++) {
      at(10 * step);
      display.update(supernet(step, 4, { detail: 'epoch 1/2', loss: 2.25, accuracy: 0.125 }));
    }
    assert.deepEqual(written, [
      'supernet: 0/4 steps (0 %), epoch 1/2, loss 2.2500, accuracy 12.5 %, elapsed 0s, ETA -\n',
      'supernet: 1/4 steps (25 %), epoch 1/2, loss 2.2500, accuracy 12.5 %, elapsed 10s, ETA 30s\n',
      'supernet: 2/4 steps (50 %), epoch 1/2, loss 2.2500, accuracy 12.5 %, elapsed 20s, ETA 20s\n',
      'supernet: 3/4 steps (75 %), epoch 1/2, loss 2.2500, accuracy 12.5 %, elapsed 30s, ETA 10s\n',
      'supernet: 4/4 steps (100 %), epoch 1/2, loss 2.2500, accuracy 12.5 %, elapsed 40s, ETA 0s\n',
    ]);
    assert.ok(written.every((l) => !l.includes('\r') && l.endsWith('\n') && l.indexOf('\n') === l.length - 1));
  });

  it('writes a phase of many fine steps every tenth of it, and once a minute when a tenth takes longer', () => {
    const fast = lines();
    for (let step = 0; step <= 1000; step++) {
      fast.at(step * 0.05);
      fast.display.update({ phase: 'final', subject: '1/1', done: step, total: 1000, unit: 'batches' });
    }
    assert.deepEqual(
      fast.written.map((l) => l.split(' (')[0]),
      [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((d) => `final 1/1: ${d}/1000 batches`),
    );

    const slow = lines();
    for (let step = 0; step <= 150; step++) {
      slow.at(step);
      slow.display.update({ phase: 'baseline', subject: 'resnet-small', done: step, total: 1000, unit: 'batches', loss: 1 });
    }
    assert.deepEqual(
      slow.written.map((l) => l.split(' (')[0]),
      [0, 60, 120].map((d) => `baseline resnet-small: ${d}/1000 batches`),
    );
    assert.match(slow.written[2]!, /elapsed 2m00s, ETA 14m40s\n$/);
  });

  it('times each phase and subject apart, from its own first report, and skips reports that did no step', () => {
    const { written, display, at } = lines();
    display.update(supernet(0, 4));
    at(5);
    display.update({ phase: 'search', done: 2, total: 4, unit: 'candidates', bestReward: 0.5 });
    at(20);
    display.update(supernet(2, 4, { detail: 'epoch 2/2' }));
    display.update(supernet(2, 4, { detail: 'epoch 2/2' }));
    at(25);
    display.update({ phase: 'search', done: 3, total: 4, unit: 'candidates', bestReward: 0.75 });
    display.log('epoch 2/2: shared loss 2.0000');
    assert.deepEqual(written, [
      'supernet: 0/4 steps (0 %), elapsed 0s, ETA -\n',
      // A resumed search starts at 2 of 4: the ETA counts from there.
      'search: 2/4 candidates (50 %), best reward 0.5000, elapsed 0s, ETA -\n',
      'supernet: 2/4 steps (50 %), epoch 2/2, elapsed 20s, ETA 20s\n',
      'search: 3/4 candidates (75 %), best reward 0.7500, elapsed 20s, ETA 20s\n',
      'epoch 2/2: shared loss 2.0000\n',
    ]);
  });

  it('formats durations as seconds, minutes and seconds, hours and minutes', () => {
    assert.deepEqual([0, 59.4, 59.6, 425, 3599, 3600, 3780].map(duration), ['0s', '59s', '1m00s', '7m05s', '59m59s', '1h00m', '1h03m']);
  });
});
