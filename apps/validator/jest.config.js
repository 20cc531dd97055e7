import { base } from '../../tooling/jest/base.js';

export default {
  ...base,
  // @polkadot/api ends its subscriptions 1.75 s after a disconnect (the chain client's tests wait
  // the same): give it that before open handles are reported.
  openHandlesTimeout: 3_000,
};
