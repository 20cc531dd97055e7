// A runner in a process of its own, for the test that kills the runner with SIGKILL.
// Usage: node run-stages-child.mjs '<RunStagesOptions as JSON>'; prints one progress report per line.
import { runStages } from '@fold/gromacs-runner';

const options = JSON.parse(process.argv[2] ?? '{}');
await runStages({
  ...options,
  onProgress: (progress) => process.stdout.write(`${JSON.stringify(progress)}\n`),
});
process.stdout.write('done\n');
