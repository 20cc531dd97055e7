import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbEntryPath, pdbMirrorDir } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidPdbIdError, PdbParseError, PdbSourceError } from './errors.js';
import { firstAvailable, mirrorSource, rcsbSource } from './sources.js';

const MANIFEST = JSON.parse(readFileSync(join(pdbMirrorDir(), 'MANIFEST.json'), 'utf8')) as {
  id: string;
  sha256: string;
}[];

describe('mirrorSource', () => {
  const source = mirrorSource({ dir: pdbMirrorDir() });

  it('reads an entry and records the sha256 of its text, as the MANIFEST does', async () => {
    const entry = await source.fetchEntry('1UBQ');
    expect(entry.id).toBe('1ubq');
    expect(entry.origin).toBe('mirror');
    expect(entry.sha256).toBe(MANIFEST.find((e) => e.id === '1ubq')!.sha256);
    expect(entry.text.startsWith('HEADER')).toBe(true);
  });

  it('says an entry is not found', async () => {
    await expect(source.fetchEntry('9zzz')).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND' });
  });

  it('refuses an id that could escape the mirror', async () => {
    await expect(source.fetchEntry('../../etc/passwd')).rejects.toBeInstanceOf(InvalidPdbIdError);
  });

  it('refuses a stored file over the size limit', async () => {
    const tiny = mirrorSource({ dir: pdbMirrorDir(), maxCompressedBytes: 1000 });
    await expect(tiny.fetchEntry('1ubq')).rejects.toMatchObject({ code: 'ENTRY_TOO_LARGE' });
  });
});

describe('rcsbSource against a local HTTP server', () => {
  let server: Server;
  let baseUrl: string;
  const hits: string[] = [];
  const cacheDir = mkdtempSync(join(tmpdir(), 'fold-rcsb-'));
  const ubq = readFileSync(pdbEntryPath('1ubq'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/files/1ubq.pdb.gz') res.end(ubq);
      else if (req.url === '/files/1crn.pdb.gz')
        res.end(ubq); // mislabelled: 1UBQ's bytes
      else if (req.url === '/files/2bad.pdb.gz')
        res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
      else if (req.url === '/files/3big.pdb.gz') {
        res.write(Buffer.alloc(600_000)); // streamed without a content-length
        res.end(Buffer.alloc(600_000));
      } else if (req.url === '/files/5err.pdb.gz') {
        res.statusCode = 503;
        res.end('busy');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('downloads an entry once, then reads it from the cache', async () => {
    const source = rcsbSource({ baseUrl, cacheDir });
    const first = await source.fetchEntry('1ubq');
    const second = await source.fetchEntry('1ubq');
    expect(first.origin).toBe('download');
    expect(second.origin).toBe('download-cache');
    expect(second.sha256).toBe(first.sha256);
    expect(existsSync(join(cacheDir, 'ub', 'pdb1ubq.ent.gz'))).toBe(true);
    expect(hits.filter((h) => h === '/files/1ubq.pdb.gz')).toHaveLength(1);
  });

  it('maps 404 to ENTRY_NOT_FOUND and other statuses to DOWNLOAD_FAILED', async () => {
    const source = rcsbSource({ baseUrl, cacheDir });
    await expect(source.fetchEntry('9xyz')).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND' });
    await expect(source.fetchEntry('5err')).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });

  it('refuses a corrupt download and does not cache it', async () => {
    const source = rcsbSource({ baseUrl, cacheDir });
    await expect(source.fetchEntry('2bad')).rejects.toBeInstanceOf(PdbParseError);
    expect(existsSync(join(cacheDir, 'ba', 'pdb2bad.ent.gz'))).toBe(false);
  });

  it('stops a download that streams past the size limit', async () => {
    const source = rcsbSource({ baseUrl, cacheDir, maxCompressedBytes: 1_000_000 });
    await expect(source.fetchEntry('3big')).rejects.toMatchObject({ code: 'ENTRY_TOO_LARGE' });
  });

  it('refuses a file that holds another entry', async () => {
    const source = rcsbSource({ baseUrl, cacheDir });
    await expect(source.fetchEntry('1crn')).rejects.toThrow(/holds entry 1ubq, not 1crn/);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => rcsbSource({ baseUrl: 'file:///etc/', cacheDir })).toThrow(/http\(s\) URL/);
  });

  it('falls through to the next source only when an entry is not found', async () => {
    const chained = firstAvailable([
      mirrorSource({ dir: pdbMirrorDir() }),
      rcsbSource({ baseUrl, cacheDir }),
    ]);
    await expect(chained.fetchEntry('1crn')).resolves.toMatchObject({ origin: 'mirror' });
    await expect(chained.fetchEntry('2bad')).rejects.toBeInstanceOf(PdbParseError);
    await expect(chained.fetchEntry('9xyz')).rejects.toBeInstanceOf(PdbSourceError);
  });
});
