import { hostname } from 'node:os';
import { status } from '@grpc/grpc-js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { ValidationError } from '../../src/util/errors.js';
import { architectureFromMessage } from '../common/grpc/architecture.js';
import { GrpcStatusError } from '../common/grpc/status.js';
import type { EvaluationMode } from '../common/metrics/evaluator-metrics.js';
import { specFromDocument } from '../common/messages/search-document.js';
import type { EvaluationJob, EvaluationResult } from '../gen/nasmesh/v1/evaluator.js';
import type { ModeEvaluators, ParsedJob } from './mode-evaluator.js';

/** Validated documents kept, so that the jobs of a search are not each validated again. */
const SPEC_CACHE_SIZE = 16;

/**
 * Reads an EvaluationJob (its search document and architecture, validated: errors name the field) and scores it
 * with the evaluator of its mode. Shared by the work-queue worker and the Evaluate RPC.
 */
export class JobEvaluator {
  /** Which evaluator instance produced a result, for people debugging. */
  readonly worker = `${hostname()}/${process.pid}`;
  private readonly specs = new Map<string, SearchSpec>();

  /** `search`: the one search this evaluator serves (`--search`); jobs of others are refused. */
  constructor(
    private readonly evaluators: ModeEvaluators,
    private readonly search?: string,
  ) {}

  get modes(): EvaluationMode[] {
    return Object.keys(this.evaluators) as EvaluationMode[];
  }

  parse(job: EvaluationJob): ParsedJob {
    if (this.search !== undefined && job.searchId !== this.search) {
      throw new ValidationError('searchId', `'${job.searchId}' is not ${this.search}, the one search this evaluator serves`);
    }
    const search = this.spec(job);
    const { space, arch } = architectureFromMessage(job.architecture);
    if (job.architecture?.space !== search.spec.space.name) {
      throw new ValidationError('architecture.space', `'${job.architecture?.space}' is not the search's space ${search.spec.space.name}`);
    }
    return { job, search, space, arch };
  }

  /** The job's measurements. Throws ValidationError for a bad job, UNIMPLEMENTED for a mode this process lacks. */
  async evaluate(parsed: ParsedJob, signal: AbortSignal): Promise<EvaluationResult> {
    const started = performance.now();
    const mode = parsed.search.spec.evaluation.mode;
    const evaluator = this.evaluators[mode];
    if (!evaluator) {
      const served = this.modes.join(', ');
      throw new GrpcStatusError(status.UNIMPLEMENTED, `evaluation mode ${mode} is not served by this evaluator (it serves ${served})`);
    }
    const ev = await evaluator.evaluate(parsed, signal);
    const { job, space, arch } = parsed;
    return {
      searchId: job.searchId,
      index: job.index,
      architecture: { ...job.architecture!, hash: space.hash(arch) },
      accuracy: ev.accuracy,
      params: ev.params,
      flops: ev.flops,
      seconds: (performance.now() - started) / 1000,
      ...(ev.diverged !== undefined ? { diverged: ev.diverged } : {}),
      error: '',
      worker: this.worker,
    };
  }

  /** A result that reports why the job could not be evaluated, for the controller to fail the search with. */
  failed(job: EvaluationJob, error: unknown): EvaluationResult {
    return {
      searchId: job.searchId,
      index: job.index,
      architecture: job.architecture,
      accuracy: 0,
      params: 0,
      flops: 0,
      seconds: 0,
      error: error instanceof Error ? error.message : String(error),
      worker: this.worker,
    };
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.evaluators).map((e) => e.close()));
  }

  private spec(job: EvaluationJob): SearchSpec {
    const key = JSON.stringify(job.document ?? null);
    let spec = this.specs.get(key);
    if (!spec) {
      spec = specFromDocument(job.document);
      this.specs.set(key, spec);
      for (const old of [...this.specs.keys()].slice(0, Math.max(0, this.specs.size - SPEC_CACHE_SIZE))) this.specs.delete(old);
    }
    return spec;
  }
}
