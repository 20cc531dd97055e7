/**
 * Rates of an exponential moving average that may rise and fall at different speeds. With
 * `riseAlpha === fallAlpha` it is the ordinary EMA of the reference (alpha 0.1).
 */
export interface EmaRates {
  /** Weight of a new reward above the current score, in (0, 1]. */
  readonly riseAlpha: number;
  /** Weight of a new reward below the current score, in (0, 1]. */
  readonly fallAlpha: number;
}

/**
 * One EMA step: `alpha * reward + (1 - alpha) * score`, with `alpha = riseAlpha` when the reward
 * is above the score and `fallAlpha` otherwise. The operation order is the reference's
 * (`alpha * scattered_rewards + (1 - alpha) * scores`).
 *
 * With `riseAlpha <= fallAlpha` the step is concave and positively homogeneous in (score, reward),
 * hence superadditive: one hotkey that earns `a + b` ends with at least the scores of two hotkeys
 * that earn `a` and `b`. That is what makes splitting work over hotkeys unprofitable, and why the
 * score book refuses `riseAlpha > fallAlpha`.
 */
export function emaStep(score: number, reward: number, rates: EmaRates): number {
  const alpha = reward > score ? rates.riseAlpha : rates.fallAlpha;
  return alpha * reward + (1 - alpha) * score;
}
