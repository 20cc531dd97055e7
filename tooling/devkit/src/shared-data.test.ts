import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  chainSpecPath,
  MissingSharedDataError,
  pdbEntryPath,
  pdbMirrorDir,
} from './shared-data.js';

describe('shared data', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('finds the PDB mirror and the chain spec beside the repository', () => {
    expect(existsSync(`${pdbMirrorDir()}/MANIFEST.json`)).toBe(true);
    expect(chainSpecPath()).toMatch(/subtensor-raonet\.json$/);
    expect(pdbEntryPath('1UBQ')).toMatch(/mirror\/ub\/pdb1ubq\.ent\.gz$/);
  });

  it('fails naming the variable when the data is missing', () => {
    process.env.FOLD_PDB_DIR = '/nonexistent/fold-pdb';
    expect(() => pdbMirrorDir()).toThrow(MissingSharedDataError);
    expect(() => pdbMirrorDir()).toThrow(/FOLD_PDB_DIR/);
  });
});
