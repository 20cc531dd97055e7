import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbMirrorDir } from '@fold/devkit';
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { main } from '../src/cli.js';

const root = mkdtempSync(join(tmpdir(), 'fold-pdb-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let stdout: string[];
let stderr: string[];
beforeEach(() => {
  stdout = [];
  stderr = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  process.exitCode = undefined;
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
});

const run = (...args: string[]) => main(['node', 'fold-pdb', ...args]);

describe('fold-pdb', () => {
  it('prepares an entry, shows progress, and prints a summary table', async () => {
    await run(
      'prepare',
      '1vii',
      '--seed',
      '1',
      '--pdb-dir',
      pdbMirrorDir(),
      '--cache-dir',
      join(root, 'cache'),
      '--out-dir',
      join(root, 'jobs'),
      '--no-progress',
    );
    expect(process.exitCode).toBe(0);
    expect(stderr.join('')).toMatch(/1vii: candidate 1\/18 /);
    const out = stdout.join('');
    expect(out).toMatch(/^id\s+outcome\s+configuration \/ reason/);
    expect(out).toMatch(/\n1vii\s+stable\s+(charmm27|amber03|amber99sb-ildn)\//);
    expect(out).toMatch(/1 of 1 prepared \(seed 1, full space of 12600 configurations per entry\)/);
    const spec = JSON.parse(readFileSync(join(root, 'jobs', '1vii-1', 'job.json'), 'utf8')) as {
      pdbId: string;
    };
    expect(spec.pdbId).toBe('1vii');
  }, 180_000);

  it('reports entries that fail in the table and exits 1', async () => {
    await run(
      'prepare',
      '9zzz',
      '--pdb-dir',
      pdbMirrorDir(),
      '--cache-dir',
      join(root, 'cache'),
      '--no-progress',
    );
    expect(process.exitCode).toBe(1);
    expect(stdout.join('')).toMatch(/9zzz\s+failed\s+ENTRY_NOT_FOUND/);
  });

  it('prints the repairs of an entry without running GROMACS', async () => {
    await run('clean', '4kw4', '--pdb-dir', pdbMirrorDir());
    const out = stdout.join('');
    expect(out).toMatch(/residue-removed\s+A:66 CRO/);
    expect(out).toMatch(/2 segment\(s\), 227 residues/);
  });

  it('samples the same ids for the same seed, from the mirror only when asked', async () => {
    await run(
      'sample',
      '--count',
      '3',
      '--seed',
      '5',
      '--mirror-only',
      '--pdb-dir',
      pdbMirrorDir(),
    );
    const first = stdout.join('');
    stdout.length = 0;
    await run(
      'sample',
      '--count',
      '3',
      '--seed',
      '5',
      '--mirror-only',
      '--pdb-dir',
      pdbMirrorDir(),
    );
    expect(stdout.join('')).toBe(first);
    expect(first.trim().split('\n')).toHaveLength(3);
  });

  it('explains a bad argument', async () => {
    await run('prepare', '1ubq', '--seed', 'abc');
    expect(process.exitCode).toBe(1);
    expect(stderr.join('')).toMatch(/--seed.*not an integer/);
  });
});
