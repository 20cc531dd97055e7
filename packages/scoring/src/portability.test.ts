import { existsSync, readFileSync } from 'node:fs';
import vm from 'node:vm';
import { expect, it } from '@jest/globals';

// The package must run in browsers and Deno as well as Node. The build already compiles with no
// Node types and the ES2022 library; this runs the built modules in a V8 context that has only
// the ECMAScript globals (no process, Buffer, require, console, TextEncoder, DOM) and scores a
// few rounds there.

const dist = new URL('../dist/', import.meta.url);

const scenario = `
  import { FOLD_PRESET, REFERENCE_PRESET, ScoreBook, kabschRmsd } from './index.js';
  const out = {};
  for (const [name, params] of [['fold', FOLD_PRESET], ['reference', REFERENCE_PRESET]]) {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 30, startCaCoordinatesNm: [0, 0, 0, 1, 0, 0, 0, 1, 0] });
    for (let round = 1; round <= 3; round++) {
      book.recordResult({ jobId: 'j', uid: 0, hotkey: 'a', energyKjMol: -1000 - round * 20, committedAtMs: round, caCoordinatesNm: [0, 0, 0, 2, 0, 0, 0, 1, 0] });
      book.recordResult({ jobId: 'j', uid: 1, hotkey: 'b', energyKjMol: -990, committedAtMs: 0, caCoordinatesNm: [0, 0, 0, 1, 0, 0, 0, 3, 0] });
      book.recordFailure({ jobId: 'j', uid: 2, hotkey: 'c' });
      book.closeRound('j', round * 60000);
    }
    book.closeEpoch();
    out[name] = { chain: book.chainWeights(), json: JSON.stringify(ScoreBook.fromJSON(JSON.parse(JSON.stringify(book)))) };
  }
  out.rmsd = kabschRmsd([0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0]);
  globalThis.result = JSON.stringify(out);
`;

it('runs the built package in a context with only ECMAScript globals', async () => {
  if (!existsSync(new URL('index.js', dist))) {
    throw new Error('dist/ is missing: run `pnpm --filter @fold/scoring build` first');
  }
  const context = vm.createContext({});
  expect(vm.runInContext('typeof process + typeof Buffer + typeof require', context)).toBe(
    'undefinedundefinedundefined',
  );
  const modules = new Map<string, vm.SourceTextModule>();
  const load = (url: URL): vm.SourceTextModule => {
    const key = url.href;
    let module = modules.get(key);
    if (module === undefined) {
      module = new vm.SourceTextModule(readFileSync(url, 'utf8'), { context, identifier: key });
      modules.set(key, module);
    }
    return module;
  };
  const link = async (specifier: string, referencing: vm.Module): Promise<vm.Module> => {
    if (!specifier.startsWith('./')) throw new Error(`non-relative import '${specifier}' in dist`);
    return load(new URL(specifier, referencing.identifier));
  };
  const main = new vm.SourceTextModule(scenario, {
    context,
    identifier: new URL('scenario.js', dist).href,
  });
  await main.link(link);
  await main.evaluate();
  const result = JSON.parse(vm.runInContext('result', context) as string) as {
    fold: { chain: { uids: number[]; values: number[] } };
    reference: { chain: { uids: number[]; values: number[] } };
    rmsd: number;
  };
  expect(result.fold.chain.values.length).toBeGreaterThan(0);
  expect(Math.max(...result.reference.chain.values)).toBe(65_535);
  expect(result.rmsd).toBeCloseTo(0, 12);
});
