import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BestFrameTracker, type FrameEnergy } from './best-frame.js';

const frame = (step: number, potentialKjMol: number, stage = 'nvt'): FrameEnergy => ({
  stage,
  step,
  timePs: step * 0.002,
  potentialKjMol,
});

describe('BestFrameTracker', () => {
  it('takes the lowest potential among frames on the frame interval only', () => {
    const tracker = new BestFrameTracker();
    tracker.offer([frame(0, -10), frame(50, -30), frame(100, -20)], 100);
    expect(tracker.pending).toEqual(frame(100, -20));
    tracker.offer([frame(200, -25)], 100);
    expect(tracker.pending).toEqual(frame(200, -25));
  });

  it("takes only frames in the validator's claimable ranges when it names them", () => {
    const tracker = new BestFrameTracker(undefined, [
      { stage: 'nvt', first_step: 1, last_step: 300 },
      { stage: 'md', first_step: 0, last_step: 400 },
    ]);
    // Step 0 of nvt is the job's starting structure, step 400 is in the last window of nvt.
    tracker.offer([frame(0, -90), frame(100, -20), frame(200, -30), frame(400, -80)], 100);
    expect(tracker.pending).toEqual(frame(200, -30));
    tracker.offer([frame(0, -40, 'md'), frame(500, -99, 'md')], 100);
    expect(tracker.pending).toEqual(frame(0, -40, 'md'));
    // A stage the validator does not verify (a restrained one) never gives the best.
    tracker.offer([frame(100, -1000, 'npt')], 100);
    expect(tracker.pending).toEqual(frame(0, -40, 'md'));
    expect(tracker.isClaimable('md', 400)).toBe(true);
    expect(tracker.isClaimable('md', 401)).toBe(false);
  });

  it('takes every frame when no ranges are named', () => {
    const tracker = new BestFrameTracker();
    expect(tracker.isClaimable('npt', 0)).toBe(true);
  });

  it('keeps the earlier frame on a tie, and ignores non-finite energies', () => {
    const tracker = new BestFrameTracker();
    tracker.offer([frame(0, -10), frame(100, -10), frame(200, Number.NaN)], 100);
    expect(tracker.pending?.step).toBe(0);
  });

  it('holds a candidate only while it beats the committed frame', () => {
    const tracker = new BestFrameTracker({ ...frame(0, -50), commitment: 'c' });
    expect(tracker.offer([frame(100, -40)], 100)).toBe(false);
    expect(tracker.pending).toBeUndefined();
    expect(tracker.offer([frame(200, -60)], 100)).toBe(true);
    tracker.markCommitted({ ...frame(200, -60), commitment: 'd' });
    expect(tracker.pending).toBeUndefined();
    expect(tracker.committed?.commitment).toBe('d');
  });

  it('keeps a committed frame that a resume rewrote identically', () => {
    const tracker = new BestFrameTracker({ ...frame(100, -50), commitment: 'c' });
    expect(tracker.rebase('nvt', [frame(0, -10), frame(100, -50), frame(200, -20)], 100)).toBe(
      false,
    );
    expect(tracker.best?.step).toBe(100);
  });

  it('replaces a committed frame that a resume rewrote, even by a worse one', () => {
    const tracker = new BestFrameTracker({ ...frame(300, -50), commitment: 'c' });
    expect(tracker.rebase('nvt', [frame(0, -10), frame(100, -20)], 100)).toBe(true);
    expect(tracker.committed).toBeUndefined();
    expect(tracker.pending).toEqual(frame(100, -20));
  });

  it('leaves a committed frame of another stage alone on a rebase', () => {
    const tracker = new BestFrameTracker({ ...frame(300, -50, 'nvt'), commitment: 'c' });
    expect(tracker.rebase('npt', [frame(0, -10, 'npt')], 100)).toBe(false);
    expect(tracker.best?.stage).toBe('nvt');
  });

  it('ends with the minimum of all eligible frames, however they are split into offers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        (energies, chunk) => {
          const frames = energies.map((e, i) => frame(i * 10, e));
          const tracker = new BestFrameTracker();
          for (let i = 0; i < frames.length; i += chunk)
            tracker.offer(frames.slice(i, i + chunk), 10);
          return tracker.best?.potentialKjMol === Math.min(...energies);
        },
      ),
    );
  });
});
