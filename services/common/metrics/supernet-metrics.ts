import { Gauge, type Registry } from 'prom-client';

/** What the supernet trainer exports per search: how its shared-weight training is going. */
export class SupernetMetrics {
  private readonly loss: Gauge<'search'>;
  private readonly accuracy: Gauge<'search'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['search'], registers });
    this.loss = gauge('nasmesh_supernet_train_loss', 'Mean cross-entropy of the latest shared-weight training steps.');
    this.accuracy = gauge('nasmesh_supernet_train_accuracy', 'Training accuracy (fraction) of the latest shared-weight training steps.');
  }

  training(search: string, latest: { loss: number; accuracy: number }): void {
    this.loss.set({ search }, latest.loss);
    this.accuracy.set({ search }, latest.accuracy);
  }
}
