/**
 * Bytes on the wire and encode+decode time of the fold synapses against the reference's format
 * (every file of the stage as base64 inside JSON, re-sent at every progress query), on a real
 * 5,000-step 1UBQ NVT stage made with gmx through @fold/gromacs-runner (cached under .fixtures).
 * Contender and baseline run side by side in this one process, through the same axon and
 * dendrite on loopback.
 *
 *   pnpm --filter @fold/synapse bench
 */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  inflateRawSync,
} from 'node:zlib';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { Type } from '@sinclair/typebox';
import { deflateSync, inflateSync } from 'fflate';
import { Bench } from 'tinybench';
import { ensureStageFixture } from '../examples/gromacs-fixture.js';
import { MemoryMiner } from '../examples/memory-miner.js';
import {
  Axon,
  type BundleFile,
  type CompressionQuality,
  Dendrite,
  decodeBundle,
  decodeBundleBase64,
  defineSynapse,
  encodeBundle,
  encodeBundleBase64,
  FoldArtefacts,
  FoldProgress,
  parseJsonTree,
  plainOf,
  readBundleFiles,
  resolveBundle,
  sha256Hex,
} from '../src/index.js';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ratio = (baseline: number, contender: number) => `${(baseline / contender).toFixed(1)}x`;

/** The reference's answer: `{"md_output": {"nvt.tpr": "<base64>", ...}}`. */
const ReferenceStage = defineSynapse({
  name: 'ReferenceStage',
  request: Type.Object({ job_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
  response: Type.Object(
    {
      md_output: Type.Record(Type.String({ maxLength: 100 }), Type.String(), {
        additionalProperties: false,
      }),
    },
    { additionalProperties: false },
  ),
  hashFields: ['job_id'],
  maxRequestBytes: 4096,
  maxResponseBytes: 64 * 1024 * 1024,
});

function referenceEncode(files: readonly BundleFile[]): string {
  return JSON.stringify({
    md_output: Object.fromEntries(
      files.map((f) => [f.name, Buffer.from(f.bytes).toString('base64')]),
    ),
  });
}

function referenceDecode(text: string): BundleFile[] {
  const { md_output } = JSON.parse(text) as { md_output: Record<string, string> };
  return Object.entries(md_output).map(([name, b64]) => ({
    name,
    bytes: Buffer.from(b64, 'base64'),
  }));
}

function contenderEncode(
  files: readonly BundleFile[],
  held: readonly string[] = [],
  quality?: CompressionQuality,
): string {
  return JSON.stringify({
    bundle: encodeBundleBase64(files, quality === undefined ? { held } : { held, quality }),
  });
}

function contenderDecode(
  text: string,
  lookup: (sha: string) => Uint8Array | undefined = () => undefined,
): BundleFile[] {
  // The dendrite's own parser (exact numbers, no duplicate keys), not the faster JSON.parse.
  const { bundle } = plainOf(parseJsonTree(text)) as { bundle: string };
  return resolveBundle(decodeBundleBase64(bundle), lookup);
}

interface Timing {
  readonly name: string;
  readonly meanMs: number;
  readonly rmePercent: number;
}

async function time(tasks: Readonly<Record<string, () => unknown>>): Promise<Map<string, Timing>> {
  const bench = new Bench({ time: 1500, warmupTime: 300 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out = new Map<string, Timing>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed')
      throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    out.set(task.name, {
      name: task.name,
      meanMs: result.latency.mean,
      rmePercent: result.latency.rme,
    });
  }
  return out;
}

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  console.log(
    'preparing the 1UBQ NVT stage (5,000 steps) with gmx, or reading it from .fixtures...',
  );
  const fixture = await ensureStageFixture('1ubq', 5000);
  const stage = await readBundleFiles(fixture.workDir, Object.values(fixture.outputs));
  const [frame] = await readBundleFiles(fixture.workDir, [fixture.frame]);
  const byName = (name: string) => {
    const file = stage.find((f) => f.name === name);
    if (file === undefined) throw new Error(`${name} missing from the fixture`);
    return file;
  };
  if (frame === undefined) throw new Error('frame missing from the fixture');
  const tpr = byName(fixture.outputs.tpr);
  const verifyFiles = [frame, byName(fixture.outputs.edr), byName(fixture.outputs.log), tpr];
  console.log(
    `stage files: ${stage.map((f) => `${f.name} ${kb(f.bytes.length)}`).join(', ')}; frame ${frame.name} ${kb(frame.bytes.length)}\n`,
  );

  // --- Bytes on the wire, measured on the dendrite's socket, request and response together.
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const bob = keyring.addFromUri('//Bob');
  const alice = keyring.addFromUri('//Alice');
  const axon = new Axon({ keypair: bob });
  const miner = new MemoryMiner(bob.address, 8);
  miner.attachTo(axon);
  const referenceAnswer = referenceEncode(stage);
  axon.attach(
    ReferenceStage,
    () => JSON.parse(referenceAnswer) as { md_output: Record<string, string> },
  );
  const target = await axon.start();
  const dendrite = new Dendrite({ keypair: alice });

  const jobId = 'job-1ubq-bench';
  miner.jobs.set(jobId, {
    jobId,
    proteinId: '1ubq',
    validatorHotkey: alice.address,
    inputs: [],
    params: { nvt: { nsteps: 5000 } },
    seed: 1,
    state: 'running',
    stage: 'nvt',
    step: 0,
    simulatedTimePs: 0,
    nsPerDay: null,
    best: null,
    outputs: {},
    error: null,
    version: 1,
    updatedUnixMs: Date.now(),
  });
  miner.update(jobId, {
    stage: 'nvt',
    step: fixture.nsteps,
    simulatedTimePs: fixture.timePs,
    nsPerDay: 12,
    outputs: {
      tpr,
      edr: byName(fixture.outputs.edr),
      log: byName(fixture.outputs.log),
      xtc: byName(fixture.outputs.xtc),
    },
    frame: { file: frame, step: fixture.nsteps, energyKjMol: fixture.energyKjMol },
  });

  const reference = await dendrite.call(target, ReferenceStage, { job_id: jobId });
  if (!reference.ok) throw reference.error;
  const referenceWire = reference.bytesSent + reference.bytesReceived;

  const first = await dendrite.call(target, FoldProgress, { jobs: { [jobId]: '' } });
  if (!first.ok) throw first.error;
  const etag = first.response.progress[jobId]?.etag ?? '';
  const repeated = await dendrite.call(target, FoldProgress, { jobs: { [jobId]: etag } });
  if (!repeated.ok || repeated.response.unchanged[0] !== jobId)
    throw new Error('expected an unchanged answer');
  const repeatedWire = repeated.bytesSent + repeated.bytesReceived;

  const artefactsRequest = {
    job_id: jobId,
    stage: 'nvt' as const,
    step: fixture.nsteps,
    want: ['frame' as const, 'edr' as const, 'log' as const, 'tpr' as const],
  };
  const verifyHeld = await dendrite.call(target, FoldArtefacts, {
    ...artefactsRequest,
    held_sha256: [sha256Hex(tpr.bytes)],
  });
  const verifyAll = await dendrite.call(target, FoldArtefacts, {
    ...artefactsRequest,
    held_sha256: [],
  });
  if (!verifyHeld.ok) throw verifyHeld.error;
  if (!verifyAll.ok) throw verifyAll.error;
  const verifyHeldWire = verifyHeld.bytesSent + verifyHeld.bytesReceived;
  const verifyAllWire = verifyAll.bytesSent + verifyAll.bytesReceived;
  const fullTransfer = contenderEncode(stage);

  console.log('## Bytes on the wire (loopback, request + response incl. HTTP headers)\n');
  console.log(row(['exchange', 'fold (contender)', 'reference (baseline)', 'ratio']));
  console.log(row(['---', '---', '---', '---']));
  console.log(
    row([
      'progress query, nothing changed',
      `${repeatedWire} B`,
      kb(referenceWire),
      ratio(referenceWire, repeatedWire),
    ]),
  );
  console.log(
    row([
      'progress query, first answer',
      `${first.bytesSent + first.bytesReceived} B`,
      kb(referenceWire),
      ratio(referenceWire, first.bytesSent + first.bytesReceived),
    ]),
  );
  console.log(
    row([
      'verify one frame (trr + edr + log, tpr held)',
      kb(verifyHeldWire),
      kb(referenceWire),
      ratio(referenceWire, verifyHeldWire),
    ]),
  );
  console.log(
    row([
      'verify one frame (trr + edr + log + tpr)',
      kb(verifyAllWire),
      kb(referenceWire),
      ratio(referenceWire, verifyAllWire),
    ]),
  );
  console.log(
    row([
      'first full transfer of the stage (JSON body only)',
      kb(fullTransfer.length),
      kb(referenceAnswer.length),
      ratio(referenceAnswer.length, fullTransfer.length),
    ]),
  );
  console.log('');

  dendrite.close();
  await axon.stop();

  // --- Encode + decode time of the payloads, each side's full work on both ends.
  const held = [sha256Hex(tpr.bytes)];
  const lookup = (sha: string) => (sha === held[0] ? tpr.bytes : undefined);
  const verifyAnswer = contenderEncode(verifyFiles, held);
  const progressAnswer = JSON.stringify(repeated.response);
  const timings = await time({
    'reference: stage as base64 JSON': () => referenceDecode(referenceEncode(stage)),
    'fold: full stage bundle': () => contenderDecode(contenderEncode(stage)),
    'fold: full stage bundle, quality 5': () => contenderDecode(contenderEncode(stage, [], 5)),
    'fold: full stage bundle, stored (quality 0)': () =>
      contenderDecode(contenderEncode(stage, [], 0)),
    'fold: verification bundle (tpr held)': () =>
      contenderDecode(contenderEncode(verifyFiles, held), lookup),
    'fold: unchanged progress answer': () =>
      FoldProgress.parseResponseBody(plainOf(parseJsonTree(JSON.stringify(repeated.response)))),
  });
  const base = timings.get('reference: stage as base64 JSON');
  if (base === undefined) throw new Error('baseline timing missing');
  console.log('## Encode + decode time per exchange (mean of tinybench samples)\n');
  console.log(row(['payload', 'bytes', 'encode + decode', 'vs reference']));
  console.log(row(['---', '---', '---', '---']));
  const sizes: Record<string, number> = {
    'reference: stage as base64 JSON': referenceAnswer.length,
    'fold: full stage bundle': fullTransfer.length,
    'fold: full stage bundle, quality 5': contenderEncode(stage, [], 5).length,
    'fold: full stage bundle, stored (quality 0)': contenderEncode(stage, [], 0).length,
    'fold: verification bundle (tpr held)': verifyAnswer.length,
    'fold: unchanged progress answer': progressAnswer.length,
  };
  for (const t of timings.values()) {
    const speed = base.meanMs / t.meanMs;
    console.log(
      row([
        t.name,
        kb(sizes[t.name] ?? 0),
        `${t.meanMs.toFixed(3)} ms ±${t.rmePercent.toFixed(1)}%`,
        speed >= 1 ? `${speed.toFixed(1)}x faster` : `${(1 / speed).toFixed(2)}x slower`,
      ]),
    );
  }
  console.log('');

  // --- Compression alternatives, per file, on the stage outputs and on the job inputs.
  const inputs = await readBundleFiles(fixture.inputsDir, fixture.inputs);
  const compressors: Record<
    string,
    [(b: Uint8Array) => Uint8Array, (b: Uint8Array) => Uint8Array]
  > = {
    'fflate deflate level 1': [(b) => deflateSync(b, { level: 1 }), (b) => inflateSync(b)],
    'fflate deflate level 6': [(b) => deflateSync(b, { level: 6 }), (b) => inflateSync(b)],
    'node:zlib deflate level 1': [(b) => deflateRawSync(b, { level: 1 }), (b) => inflateRawSync(b)],
    'node:zlib deflate level 6': [(b) => deflateRawSync(b, { level: 6 }), (b) => inflateRawSync(b)],
    'node:zlib brotli quality 1': [
      (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }),
      (b) => brotliDecompressSync(b),
    ],
    'node:zlib brotli quality 2': [
      (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 2 } }),
      (b) => brotliDecompressSync(b),
    ],
    'node:zlib brotli quality 4': [
      (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
      (b) => brotliDecompressSync(b),
    ],
    'node:zlib brotli quality 5': [
      (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }),
      (b) => brotliDecompressSync(b),
    ],
  };
  for (const [label, corpus] of [
    ['stage outputs (tpr, xtc, edr, log, cpt)', stage],
    [`job inputs (${fixture.inputs.join(', ')})`, inputs],
  ] as const) {
    const raw = corpus.reduce((sum, f) => sum + f.bytes.length, 0);
    const sizes: Record<string, number> = {};
    const tasks: Record<string, () => unknown> = {};
    for (const [name, [compress, restore]] of Object.entries(compressors)) {
      sizes[name] = corpus.reduce((sum, f) => sum + compress(f.bytes).length, 0);
      tasks[name] = () => corpus.map((f) => restore(compress(f.bytes)));
    }
    sizes['fold codec (probe; brotli 5 text, 2 binary; sha-256)'] = encodeBundle(corpus).length;
    tasks['fold codec (probe; brotli 5 text, 2 binary; sha-256)'] = () =>
      decodeBundle(encodeBundle(corpus));
    sizes['fold codec, quality 5'] = encodeBundle(corpus, { quality: 5 }).length;
    tasks['fold codec, quality 5'] = () => decodeBundle(encodeBundle(corpus, { quality: 5 }));
    const measured = await time(tasks);
    console.log(`## Compressors on the ${label}: ${kb(raw)} raw, compress + decompress\n`);
    console.log(row(['compressor', 'compressed', 'ratio', 'time']));
    console.log(row(['---', '---', '---', '---']));
    for (const [name, size] of Object.entries(sizes)) {
      const t = measured.get(name);
      console.log(
        row([name, kb(size), `${(raw / size).toFixed(2)}x`, `${t?.meanMs.toFixed(1)} ms`]),
      );
    }
    console.log('');
  }

  console.log('## Goals\n');
  const goals = [
    [
      `repeated progress query >= 1000x smaller`,
      referenceWire / repeatedWire >= 1000,
      ratio(referenceWire, repeatedWire),
    ],
    [
      `verification bytes >= 3x fewer (tpr held)`,
      referenceWire / verifyHeldWire >= 3,
      ratio(referenceWire, verifyHeldWire),
    ],
    [
      `verification bytes >= 3x fewer (tpr sent)`,
      referenceWire / verifyAllWire >= 3,
      ratio(referenceWire, verifyAllWire),
    ],
  ] as const;
  for (const [goal, met, value] of goals)
    console.log(`- ${met ? 'met' : 'NOT MET'}: ${goal} (${value})`);
  const verifyTime = timings.get('fold: verification bundle (tpr held)');
  const fullTime = timings.get('fold: full stage bundle');
  if (verifyTime !== undefined && fullTime !== undefined) {
    console.log(
      `- ${verifyTime.meanMs <= base.meanMs ? 'met' : 'NOT MET'}: verification encode+decode no slower than the reference's (${(base.meanMs / verifyTime.meanMs).toFixed(1)}x)`,
    );
    console.log(
      `- ${fullTime.meanMs <= base.meanMs ? 'met' : 'NOT MET'}: full-stage encode+decode no slower than the reference's (${(base.meanMs / fullTime.meanMs).toFixed(2)}x)`,
    );
  }
  const storedTime = timings.get('fold: full stage bundle, stored (quality 0)');
  if (storedTime !== undefined) {
    console.log(
      `- ${storedTime.meanMs <= base.meanMs ? 'met' : 'NOT MET'}: full-stage encode+decode, stored, no slower than the reference's (${(base.meanMs / storedTime.meanMs).toFixed(2)}x)`,
    );
  }
}

await main();
