import { expect, it, jest } from '@jest/globals';
import { scoreMyTasks } from '../examples/score-my-tasks.js';

it('runs the README example and pays the tasks winners', () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  try {
    // Carol (uid 3) wins route-17 every round and route-19 twice before failing it; Bob (uid 2)
    // wins route-18 every round and route-19 once: 6 and 5 of 12 rounds.
    expect(scoreMyTasks()).toEqual({
      uids: [2, 3],
      values: [Math.round((5 / 6) * 65_535), 65_535],
    });
  } finally {
    log.mockRestore();
  }
});
