import { base } from '../../tooling/jest/base.js';

export default {
  ...base,
  // @polkadot/api delays the end of its subscriptions by 1.75 s after disconnect (rxjs
  // refCountDelay): wait for that before reporting open handles.
  openHandlesTimeout: 3_000,
};
