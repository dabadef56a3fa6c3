import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, sampleValue } from '../../support/prom-text.js';

/** The metrics tests lean on this parser, so it must reject what Prometheus would (and a little more). */
describe('the strict exposition parser', () => {
  const histogram = (lines: string[]) => ['# HELP h_seconds h', '# TYPE h_seconds histogram', ...lines].join('\n') + '\n';
  const good = histogram([
    'h_seconds_bucket{a="x",le="0.1"} 1',
    'h_seconds_bucket{a="x",le="1"} 3',
    'h_seconds_bucket{a="x",le="+Inf"} 4',
    'h_seconds_sum{a="x"} 2.5',
    'h_seconds_count{a="x"} 4',
  ]);

  it('reads families, escaped labels, special values and histograms', () => {
    const text = [
      '# HELP g_value a \\\\ gauge\\nwith two lines',
      '# TYPE g_value gauge',
      'g_value{path="C:\\\\x",q="say \\"hi\\"\\n",} -Inf',
      'g_value{path="y"} 1.5e-3 1700000000000',
      '# a comment',
      'g_value{path="z"} Nan',
      '',
    ].join('\n');
    const families = parsePrometheusText(text + good);
    assert.equal(families.get('g_value')?.help, 'a \\ gauge\nwith two lines');
    assert.equal(sampleValue(families, 'g_value', { path: 'C:\\x', q: 'say "hi"\n' }), -Infinity);
    assert.equal(sampleValue(families, 'g_value', { path: 'y' }), 0.0015);
    assert.ok(Number.isNaN(sampleValue(families, 'g_value', { path: 'z' })));
    assert.equal(sampleValue(families, 'h_seconds_count', { a: 'x' }), 4);
  });

  /** A one-series histogram from its buckets' `le="…"} n` tails and its count; the sum is 1. */
  const hist = (...tails: string[]) => {
    const buckets = tails.slice(0, -1).map((t) => `h_seconds_bucket{${t}`);
    return histogram([...buckets, 'h_seconds_sum 1', `h_seconds_count ${tails.at(-1)}`]);
  };
  /** Malformed exposition → the error it must raise. */
  const bad: Record<string, [string, RegExp]> = {
    'no trailing newline': ['# TYPE c counter\nc 1', /end with a newline/],
    'sample without TYPE': ['c 1\n', /without a TYPE line/],
    'unknown type': ['# TYPE c countr\nc 1\n', /unknown type/],
    'second TYPE': ['# TYPE c counter\n# TYPE c counter\nc 1\n', /second TYPE/],
    'TYPE after samples': ['# TYPE c counter\nc 1\n# TYPE c counter\n', /TYPE after samples/],
    'non-contiguous family': ['# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n', /not contiguous/],
    'duplicate series': ['# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n', /duplicate series/],
    'negative counter': ['# TYPE c counter\nc -1\n', /non-negative/],
    'unquoted label value': ['# TYPE a gauge\na{x=1} 1\n', /bad label at/],
    'label name starting with a digit': ['# TYPE a gauge\na{1x="1"} 1\n', /bad label name/],
    'reserved label name': ['# TYPE a gauge\na{__name__="1"} 1\n', /bad label name/],
    'repeated label': ['# TYPE a gauge\na{x="1",x="2"} 1\n', /repeated label/],
    'bad escape': ['# TYPE a gauge\na{x="\\t"} 1\n', /bad escape/],
    'unterminated label value': ['# TYPE a gauge\na{x="1} 1\n', /unterminated/],
    'bad value': ['# TYPE a gauge\na 1,5\n', /bad value/],
    'two spaces': ['# TYPE a gauge\na  1\n', /expected one space/],
    'bucket counts decreasing': [hist('le="1"} 3', 'le="+Inf"} 2', '2'), /not cumulative/],
    'le not increasing': [hist('le="2"} 1', 'le="1"} 1', 'le="+Inf"} 1', '1'), /le not increasing/],
    'no +Inf bucket': [hist('le="1"} 3', '3'), /no \+Inf bucket/],
    '_count differs from +Inf': [hist('le="+Inf"} 3', '4'), /differs from the \+Inf bucket/],
    'no _sum': [histogram(['h_seconds_bucket{le="+Inf"} 3', 'h_seconds_count 3']), /no _sum/],
  };
  for (const [problem, [text, error]] of Object.entries(bad)) {
    it(`rejects ${problem}`, () => {
      assert.throws(() => parsePrometheusText(text), error);
    });
  }
});
