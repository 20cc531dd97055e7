import { readFileSync, rmSync } from 'node:fs';
import { planResources, runStages } from '@fold/gromacs-runner';

const job = JSON.parse(readFileSync('.fixtures/1l2y-112/job.json', 'utf8'));
const nvt = {
  ...job.stages[0].mdp,
  nsteps: 500,
  nstenergy: 50,
  nstxout: 50,
  nstvout: 50,
  nstlog: 500,
  'nstxout-compressed': 500,
};
delete nvt.nstcalcenergy;
rmSync('/tmp/exp-run', { recursive: true, force: true });
const slot = planResources({ cpus: 2, concurrent: 1 }).slots[0]!;
const t = Date.now();
const r = await runStages({
  workDir: '/tmp/exp-run',
  input: {
    gro: '.fixtures/1l2y-112/em.gro',
    top: '.fixtures/1l2y-112/topol.top',
    itps: ['.fixtures/1l2y-112/posre.itp'],
  },
  stages: [{ name: 'nvt', mdp: nvt }],
  seed: 5,
  resources: slot,
  onProgress: (p) => console.log(p.step, p.nsPerDay?.toFixed(1), p.potentialKjMol),
});
console.log(Date.now() - t, JSON.stringify(r.stages[0]).slice(0, 200));
