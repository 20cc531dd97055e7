import { OverloadedError } from './errors.js';

interface Waiter {
  readonly priority: number;
  readonly order: number;
  readonly grant: () => void;
}

/**
 * Admits at most `maxConcurrent` holders at once; the others wait, highest priority first and in
 * arrival order among equals, and at most `maxQueued` of them. This is what the SDK's priority
 * thread pool does for handlers (bittensor/core/axon.py, `AxonMiddleware.priority`).
 */
export class PriorityGate {
  private active = 0;
  private order = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
  ) {}

  /** How many holders are admitted now. */
  get activeCount(): number {
    return this.active;
  }

  /** How many wait to be admitted. */
  get queuedCount(): number {
    return this.waiting.length;
  }

  /**
   * Waits for a place. The returned function gives it back and must be called exactly once.
   * @throws {OverloadedError} `OVERLOADED` when the queue is full.
   * @throws the abort reason of `signal` when it aborts while waiting.
   */
  async acquire(priority: number, signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.active < this.maxConcurrent && this.waiting.length === 0) {
      this.active++;
      return this.releaser();
    }
    if (this.waiting.length >= this.maxQueued) {
      throw new OverloadedError(
        'OVERLOADED',
        `Service unavailable: ${this.active} requests running and ${this.waiting.length} queued`,
        { details: { active: this.active, queued: this.waiting.length } },
      );
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        order: this.order++,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let at = this.waiting.findIndex(
        (w) => w.priority < priority || (w.priority === priority && w.order > waiter.order),
      );
      if (at < 0) at = this.waiting.length;
      this.waiting.splice(at, 0, waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next === undefined) this.active--;
      else next.grant();
    };
  }
}
