import { status } from '@grpc/grpc-js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { GrpcStatusError } from '../common/grpc/status.js';
import { type TrainingStatus } from '../gen/nasmesh/v1/supernet_trainer.js';
import type { SupernetCheckpoint } from '../gen/nasmesh/v1/events.js';
import type { PolicySource } from '../../src/search/policy-source.js';
import { type TrainingDeps, TrainingRun } from './training-run.js';

/**
 * The supernet trainer's searches: at most one training run each, in this process. A run that ended (finished,
 * stopped, failed) stays for its status until the search is started again, which resumes from its stored checkpoint.
 */
export class SupernetTrainer {
  private readonly runs = new Map<string, TrainingRun>();
  /** The controller address each run fetches its policy from. */
  private readonly controllers = new Map<string, string>();
  private closing = false;

  constructor(
    private readonly deps: TrainingDeps,
    /** The policy source of a search whose controller listens at `address` (host:port). */
    private readonly policySource: (address: string) => PolicySource,
  ) {}

  start(searchId: string, spec: SearchSpec['spec'], controller: string): TrainingStatus {
    if (this.closing) throw new GrpcStatusError(status.UNAVAILABLE, 'the supernet trainer is shutting down');
    const running = this.runs.get(searchId);
    if (running && !running.finished) {
      // A restarted controller may listen elsewhere: its policy comes from there now.
      if (this.controllers.get(searchId) !== controller) {
        running.redirect(this.policySource(controller));
        this.controllers.set(searchId, controller);
      }
      return running.status();
    }
    const policy = this.policySource(controller);
    try {
      const run = new TrainingRun(searchId, spec, policy, this.deps);
      this.runs.set(searchId, run);
      this.controllers.set(searchId, controller);
      return run.status();
    } catch (e) {
      policy.close();
      throw e;
    }
  }

  status(searchId: string): TrainingStatus {
    return this.run(searchId).status();
  }

  /** The newest stored checkpoint: this process's, else the one a previous process stored. */
  async latest(searchId: string): Promise<SupernetCheckpoint> {
    const latest = this.runs.get(searchId)?.latestCheckpoint() ?? (await this.deps.checkpoints.latest(searchId));
    if (latest === undefined) throw new GrpcStatusError(status.NOT_FOUND, `search ${searchId} has no stored supernet epoch yet`);
    return latest;
  }

  /** Stops after the step in progress; answers once the run has stored what it trained. */
  async stop(searchId: string): Promise<TrainingStatus> {
    const run = this.run(searchId);
    await run.stop('stopped by StopTraining');
    return run.status();
  }

  /** SIGTERM: takes no new searches, stops every run after its step in progress and stores its weights. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.runs.values()].map((run) => run.stop('the supernet trainer shut down')));
  }

  private run(searchId: string): TrainingRun {
    const run = this.runs.get(searchId);
    if (run === undefined) throw new GrpcStatusError(status.NOT_FOUND, `search ${searchId} is not training here`);
    return run;
  }
}
