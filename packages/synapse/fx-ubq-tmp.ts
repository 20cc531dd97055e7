import { ensureStageFixture } from './examples/gromacs-fixture.js';

const t0 = performance.now();
const f = await ensureStageFixture('1ubq', 5000);
console.log(JSON.stringify(f), ((performance.now() - t0) / 1000).toFixed(1), 's');
