import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pdbEntryPath } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidPdbIdError, PdbDatasetError } from '../src/errors.js';
import { prepareJob } from '../src/prepare.js';
import { mirrorSource } from '../src/sources.js';

// A mirror of hostile files: each must be refused with a typed error before GROMACS runs, and
// leave nothing behind in the cache or the scratch space.
const root = mkdtempSync(join(tmpdir(), 'fold-hostile-'));
const mirror = join(root, 'pdb');
const cacheDir = join(root, 'cache');
const scratchDir = join(root, 'scratch');

function store(id: string, bytes: Uint8Array): void {
  const dir = join(mirror, 'mirror', id.slice(1, 3));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `pdb${id}.ent.gz`), bytes);
}

beforeAll(() => {
  const ubqGz = readFileSync(pdbEntryPath('1ubq'));
  const ubq = gunzipSync(ubqGz).toString('latin1');
  const asOwn = (id: string, text: string) => text.replace('1UBQ', id.toUpperCase());
  store('8bin', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]));
  store('8gzp', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00]));
  store('8trc', ubqGz.subarray(0, Math.floor(ubqGz.length / 2)));
  store('8end', gzipSync(asOwn('8end', ubq.slice(0, ubq.lastIndexOf('END')))));
  store('8cut', gzipSync(asOwn('8cut', ubq.slice(0, ubq.indexOf('ATOM    300') + 40))));
  store('8big', gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)));
  store('8txt', gzipSync('{"id": "8txt", "atoms": []}\n'));
  store(
    '8lig',
    gzipSync(
      [
        'HEADER    LIGAND ONLY                             01-JAN-00   8LIG',
        'HETATM    1 FE   HEM A 201       1.000   1.000   1.000  1.00 10.00          FE',
        'END',
        '',
      ].join('\n'),
    ),
  );
  store('8lbl', ubqGz);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function failure(id: string): Promise<PdbDatasetError> {
  const error = await prepareJob({
    id,
    seed: 1,
    cacheDir,
    scratchDir,
    source: mirrorSource({ dir: mirror }),
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PdbDatasetError);
  return error as PdbDatasetError;
}

describe('prepareJob refuses hostile entries before running GROMACS', () => {
  it.each([
    ['8bin', 'NOT_PDB', 'binary bytes'],
    ['8gzp', 'CORRUPT_GZIP', 'a broken gzip stream'],
    ['8trc', 'CORRUPT_GZIP', 'a gzip stream cut in half'],
    ['8end', 'TRUNCATED_ENTRY', 'a file without END'],
    ['8cut', 'BAD_RECORD', 'a file cut inside a record'],
    ['8big', 'ENTRY_TOO_LARGE', 'a gzip bomb'],
    ['8txt', 'NOT_PDB', 'JSON instead of PDB'],
    ['8lig', 'NO_PROTEIN', 'a file with ligands only'],
    ['8lbl', 'ENTRY_NOT_FOUND', 'a file that holds another entry'],
  ])('%s gives %s for %s', async (id, code) => {
    expect((await failure(id)).code).toBe(code);
  });

  it('refuses an id that is not a PDB id', async () => {
    await expect(
      prepareJob({
        id: '../../etc/passwd',
        seed: 1,
        cacheDir,
        source: mirrorSource({ dir: mirror }),
      }),
    ).rejects.toBeInstanceOf(InvalidPdbIdError);
  });

  it('leaves no cache entry and no scratch directory behind', () => {
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
    expect(existsSync(scratchDir) ? readdirSync(scratchDir) : []).toEqual([]);
  });
});
