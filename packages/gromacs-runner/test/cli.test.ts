import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { energySeries, prepareSystem, readEdr } from '../src/index.js';
import { cleanProteinPdb, tempDir } from './structures.js';

// The built command-line tool, as an operator runs it.
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => execa('node', [cli, ...args], { reject: false });

describe('fold-gmx', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let edr: string;

  beforeAll(async () => {
    dir = await tempDir('cli');
    const system = await prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir: join(dir.path, 'prep'),
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'cubic',
      emParams: { nsteps: 30, nstenergy: 5 },
      resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
    });
    edr = system.files.emEdr;
  }, 120_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it('explains itself with examples, for every command', async () => {
    const main = await run('--help');
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toMatch(/Examples:\n\s+\$ fold-gmx detect/);
    for (const command of ['detect', 'prepare', 'run', 'energy']) {
      const help = await run(command, '--help');
      expect(help.stdout).toContain(`$ fold-gmx ${command}`);
    }
  });

  it('prints an energy term read from the .edr, frame by frame', async () => {
    const result = await run('energy', edr, '--term', 'Potential');
    expect(result.exitCode).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t').map(Number));
    const series = energySeries(await readEdr(edr), 'Potential');
    expect(rows.map((r) => r[0])).toEqual(series.steps);
    expect(rows.map((r) => r[2])).toEqual(series.values);
  });

  it('shows the build and the thread plan', async () => {
    const result = await run('detect', '--concurrent', '2');
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as {
      gromacs: { major: number };
      plan: { slots: unknown[] };
    };
    expect(report.gromacs.major).toBeGreaterThanOrEqual(2022);
    expect(report.plan.slots).toHaveLength(2);
  });

  it('reports refused input as a typed error and a non-zero exit', async () => {
    const result = await run(
      'prepare',
      '--pdb',
      join(dir.path, 'prep', 'input.pdb'),
      '--work-dir',
      join(dir.path, 'x'),
      '--ff',
      'charmm27;id',
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/InvalidInputError \[INVALID_INPUT\]: forceField/);
  });
});
