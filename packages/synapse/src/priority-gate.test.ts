import { describe, expect, it } from '@jest/globals';
import { OverloadedError } from './errors.js';
import { PriorityGate } from './priority-gate.js';

describe('PriorityGate', () => {
  it('admits waiters by priority, then by arrival', async () => {
    const gate = new PriorityGate(1, 10);
    const signal = new AbortController().signal;
    const first = await gate.acquire(0, signal);
    const order: string[] = [];
    const admit = (priority: number, label: string) =>
      gate.acquire(priority, signal).then((release) => {
        order.push(label);
        release();
      });
    const waits = [admit(1, 'low'), admit(5, 'high-a'), admit(5, 'high-b')];
    first();
    await Promise.all(waits);
    expect(order).toEqual(['high-a', 'high-b', 'low']);
    expect(gate.activeCount).toBe(0);
  });

  it('refuses a waiter when the queue is full', async () => {
    const gate = new PriorityGate(1, 1);
    const signal = new AbortController().signal;
    const held = await gate.acquire(0, signal);
    const queued = gate.acquire(0, signal);
    await expect(gate.acquire(0, signal)).rejects.toThrow(OverloadedError);
    held();
    (await queued)();
  });

  it('drops a waiter whose signal aborts, with the abort reason', async () => {
    const gate = new PriorityGate(1, 4);
    const held = await gate.acquire(0, new AbortController().signal);
    const controller = new AbortController();
    const waiting = gate.acquire(0, controller.signal);
    controller.abort(new Error('timed out'));
    await expect(waiting).rejects.toThrow('timed out');
    expect(gate.queuedCount).toBe(0);
    held();
    expect(gate.activeCount).toBe(0);
  });
});
