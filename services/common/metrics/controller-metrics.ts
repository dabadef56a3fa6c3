import { Counter, Gauge, type Registry } from 'prom-client';
import type { StrategyStats } from '../../../src/strategy/types.js';

/** What the controller service exports per search: candidate counts, reward progress and the policy's statistics. */
export class ControllerMetrics {
  private readonly proposedTotal: Counter<'search'>;
  private readonly evaluatedTotal: Counter<'search'>;
  private readonly failedTotal: Counter<'search'>;
  private readonly bestReward: Gauge<'search'>;
  private readonly rewardAverage: Gauge<'search'>;
  private readonly entropy: Gauge<'search'>;
  private readonly baseline: Gauge<'search'>;
  private readonly epsilon: Gauge<'search'>;
  private readonly queueDepth: Gauge;
  /** Gauges cannot be read back synchronously, so the running best and average live here. */
  private readonly rewards = new Map<string, { best: number; average: number }>();

  /** `averageDecay` weighs the previous average against each new reward (0.9: about the last ten rewards). */
  constructor(
    registry: Registry,
    private readonly averageDecay = 0.9,
  ) {
    const registers = [registry];
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['search'], registers });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['search'], registers });
    this.proposedTotal = counter('nasmesh_candidates_proposed_total', 'Architectures proposed for evaluation.');
    this.evaluatedTotal = counter('nasmesh_candidates_evaluated_total', 'Candidates whose reward was observed.');
    this.failedTotal = counter('nasmesh_candidates_failed_total', 'Candidates whose evaluation errored or diverged.');
    this.bestReward = gauge('nasmesh_best_reward', 'Highest reward of any evaluated candidate so far.');
    this.rewardAverage = gauge('nasmesh_reward_moving_average', 'Exponential moving average of the rewards.');
    this.entropy = gauge('nasmesh_controller_entropy_nats', 'Entropy of the policy over whole architectures at its latest proposal.');
    this.baseline = gauge('nasmesh_controller_reward_baseline', "Reward baseline of the policy gradient, in the policy's reward scale.");
    this.epsilon = gauge('nasmesh_controller_epsilon', 'Exploration rate of an epsilon-greedy policy.');
    this.queueDepth = new Gauge({ name: 'nasmesh_work_queue_depth', help: 'Jobs in the work queue.', registers });
  }

  proposed(search: string, n = 1): void {
    this.proposedTotal.inc({ search }, n);
  }

  /** A reward the strategy observed (a diverged candidate's 0 too: report it as failed as well). */
  evaluated(search: string, reward: number): void {
    this.evaluatedTotal.inc({ search });
    const prev = this.rewards.get(search) ?? { best: reward, average: reward };
    const d = this.averageDecay;
    const next = { best: Math.max(prev.best, reward), average: d * prev.average + (1 - d) * reward };
    this.rewards.set(search, next);
    this.bestReward.set({ search }, next.best);
    this.rewardAverage.set({ search }, next.average);
  }

  /** An evaluator error (no reward) or diverged training. */
  failed(search: string, n = 1): void {
    this.failedTotal.inc({ search }, n);
  }

  /** The strategy's stats after an observe; a statistic the strategy lacks is not exported for the search. */
  policy(search: string, stats: StrategyStats): void {
    const set = (gauge: Gauge<'search'>, value: number | undefined) =>
      value === undefined ? gauge.remove({ search }) : gauge.set({ search }, value);
    set(this.entropy, stats.entropy);
    set(this.baseline, stats.baseline);
    set(this.epsilon, stats.epsilon);
  }

  workQueueDepth(depth: number): void {
    this.queueDepth.set(depth);
  }

  /** Drops a finished search's series, so a long-running controller's output does not grow with every search. */
  forget(search: string): void {
    this.rewards.delete(search);
    const series = [this.proposedTotal, this.evaluatedTotal, this.failedTotal, this.bestReward, this.rewardAverage];
    for (const m of [...series, this.entropy, this.baseline, this.epsilon]) m.remove({ search });
  }
}
