/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for checking what `/metrics` serves.
 * Stricter than Prometheus itself where a well-behaved exporter never needs the leeway: every sample's family must
 * have a TYPE line before its first sample, and a family's lines must be contiguous.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  type: MetricType;
  help?: string;
  readonly samples: Sample[];
}

const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** Parses an exposition; throws an Error naming the line for anything malformed. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const series = new Set<string>();
  const typed = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const fail = (problem: string): never => {
      throw new Error(`line ${i + 1}: ${problem}: ${JSON.stringify(line)}`);
    };
    const enter = (family: MetricFamily) => {
      if (family !== current && family.samples.length > 0) fail(`lines of ${family.name} are not contiguous`);
      current = family;
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // any other comment is allowed
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail('bad metric name');
      let family = families.get(name);
      if (!family) families.set(name, (family = { name, type: 'untyped', samples: [] }));
      enter(family);
      if (keyword === 'HELP') {
        if (family.help !== undefined) fail('second HELP');
        family.help = unescape(rest, false, fail);
      } else {
        if (family.samples.length > 0) fail('TYPE after samples');
        if (!TYPES.includes(rest)) fail('unknown type');
        if (typed.has(name)) fail('second TYPE');
        typed.add(name);
        family.type = rest as MetricType;
      }
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(sample.name, families);
    if (!family || !typed.has(family.name)) return fail('sample of a family without a TYPE line');
    enter(family);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(key)) fail('duplicate series');
    series.add(key);
    if (family.type === 'counter' && !(sample.value >= 0)) fail('counter value must be a non-negative number');
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the sample with exactly this name and label set, if served. */
export function sampleValue(
  families: ReadonlyMap<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values()) {
    const s = family.samples.find((x) => x.name === name && JSON.stringify(Object.entries(x.labels).sort()) === want);
    if (s) return s.value;
  }
  return undefined;
}

function familyOf(sampleName: string, families: ReadonlyMap<string, MetricFamily>): MetricFamily | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const family of families.values()) {
    const suffixes = SUFFIXES[family.type] ?? [];
    if (suffixes.some((s) => sampleName === family.name + s)) return family;
  }
  return undefined;
}

function parseSample(line: string, fail: (problem: string) => never): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line) ?? fail('bad metric name');
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const labelMatch = /^([a-zA-Z0-9_]+)="/.exec(line.slice(pos)) ?? fail(`bad label at column ${pos + 1}`);
      const labelName = labelMatch[1]!;
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) fail(`bad label name ${labelName}`);
      if (labelName in labels) fail(`repeated label ${labelName}`);
      pos += labelMatch[0].length;
      let raw = '';
      while (line[pos] !== '"') {
        if (pos >= line.length) fail('unterminated label value');
        raw += line[pos] === '\\' ? line[pos++]! + (line[pos++] ?? '') : line[pos++]!;
      }
      labels[labelName] = unescape(raw, true, fail);
      pos++;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') fail(`expected , or } at column ${pos + 1}`);
    }
    pos++;
  }
  const rest = line.slice(pos);
  const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest) ?? fail('expected one space, a value and an optional timestamp');
  return { name, labels, value: parseValue(m[1]!, fail) };
}

/** Go's ParseFloat, which Prometheus uses: special values in any case (prom-client writes `Nan`). */
function parseValue(text: string, fail: (problem: string) => never): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!NUMBER.test(text)) fail(`bad value ${text}`);
  return Number(text);
}

/** Label values may escape \\, \" and \n; HELP text only \\ and \n. */
function unescape(raw: string, quoted: boolean, fail: (problem: string) => never): string {
  return raw.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quoted) return '"';
    return fail(`bad escape \\${c}`);
  });
}

/** Per series: cumulative buckets ending at +Inf, whose count equals _count, and a _sum. */
function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    const where = `${family.name}${key}`;
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${where}: bucket without le`);
      g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
      if (Number.isNaN(g.buckets.at(-1)![0])) throw new Error(`${where}: bad le ${le}`);
    } else if (le !== undefined) {
      throw new Error(`${where}: le on ${s.name}`);
    } else if (s.name.endsWith('_sum')) g.sum = s.value;
    else if (s.name.endsWith('_count')) g.count = s.value;
    else throw new Error(`${where}: histogram sample ${s.name}`);
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    g.buckets.forEach(([le, n], i) => {
      const prev = g.buckets[i - 1];
      if (prev && !(le > prev[0])) throw new Error(`${where}: le not increasing`);
      if (prev && n < prev[1]) throw new Error(`${where}: buckets not cumulative`);
    });
    const inf = g.buckets.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (g.count !== inf[1]) throw new Error(`${where}: _count ${g.count} differs from the +Inf bucket ${inf[1]}`);
    if (g.sum === undefined) throw new Error(`${where}: no _sum`);
  }
}
