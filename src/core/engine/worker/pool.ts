/**
 * A few trace workers used as one: each job goes to the worker with the fewest jobs in flight.
 * For CPU-bound batches (a cold index of thousands of files) on a machine with several cores;
 * files differ in size, so taking turns would leave a worker idle while the other has a queue.
 */
import type { CancelToken, JobMethods, TraceWorkerClient } from './client';

export class WorkerPool {
  private readonly busy: number[];

  constructor(private readonly workers: readonly TraceWorkerClient[]) {
    if (!workers.length) throw new Error('a worker pool needs at least one worker');
    this.busy = workers.map(() => 0);
  }

  get size(): number {
    return this.workers.length;
  }

  async run<M extends keyof JobMethods>(method: M, params: JobMethods[M][0], token?: CancelToken): Promise<JobMethods[M][1]> {
    const w = this.busy.indexOf(Math.min(...this.busy));
    this.busy[w]++;
    try {
      return await this.workers[w].run(method, params, token);
    } finally {
      this.busy[w]--;
    }
  }
}
