/**
 * The fold protocol on loopback: a validator's dendrite (//Alice) and a miner's axon (//Bob).
 * The validator prepares a real 1L2Y system with @fold/gromacs-runner and assigns it twice; the
 * miner writes the first job's input bundle to a scratch directory and runs the NVT stage from the
 * typed parameters with the runner, while the second job waits and gets cancelled. The validator polls
 * progress (repeated queries come back as compact "unchanged" answers), then fetches the best
 * frame's artefacts and checks the miner's commitment.
 *
 *   pnpm --filter @fold/synapse demo
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import {
  Axon,
  type AxonTarget,
  type CallResult,
  Dendrite,
  encodeBundleBase64,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
  readBundleFiles,
  resolveBundle,
  type SynapseDefinition,
  sha256Hex,
  verifyFrameCommitment,
  writeBundleToDir,
} from '../src/index.js';
import { ensurePreparedSystem, nvtParams, runNvtStage } from './gromacs-fixture.js';
import { type MemoryJob, MemoryMiner } from './memory-miner.js';

const NVT_STEPS = 500;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function wire(result: CallResult<SynapseDefinition>): string {
  return `[${result.bytesSent} B out, ${result.bytesReceived} B back, ${result.elapsedMs.toFixed(0)} ms]`;
}

function expectOk<R extends CallResult<SynapseDefinition>>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw result.error;
  return result as Extract<R, { ok: true }>;
}

async function main(): Promise<void> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const scratch = await mkdtemp(join(tmpdir(), 'fold-demo-miner-'));

  let referenceAnswerBytes = 0;
  // The miner: runs one simulation at a time; the handlers only record and answer.
  let running: Promise<void> = Promise.resolve();
  const simulate = async (job: MemoryJob): Promise<void> => {
    if (job.state === 'cancelled') return;
    const dir = await mkdtemp(join(scratch, `${job.jobId}-`));
    await writeBundleToDir(dir, job.inputs);
    miner.update(job.jobId, { state: 'running', stage: 'nvt' });
    const stage = await runNvtStage({
      inputDir: dir,
      inputs: job.inputs.map((f) => f.name),
      workDir: join(dir, 'run'),
      params: job.params.nvt ?? {},
      seed: job.seed,
    });
    const { outputs } = stage;
    const [frame, tpr, edr, log, xtc, cpt] = await readBundleFiles(stage.workDir, [
      stage.frame,
      outputs.tpr,
      outputs.edr,
      outputs.log,
      outputs.xtc,
      outputs.cpt,
    ]);
    if (
      frame === undefined ||
      tpr === undefined ||
      edr === undefined ||
      log === undefined ||
      xtc === undefined ||
      cpt === undefined
    ) {
      throw new Error('the NVT stage left no output');
    }
    // What the reference miner answered to every progress query: the stage's files, base64 in JSON.
    referenceAnswerBytes = JSON.stringify({
      md_output: Object.fromEntries(
        [tpr, xtc, edr, log, cpt].map((f) => [f.name, Buffer.from(f.bytes).toString('base64')]),
      ),
    }).length;
    miner.update(job.jobId, {
      state: 'finished',
      step: stage.step,
      simulatedTimePs: stage.timePs,
      nsPerDay: stage.nsPerDay ?? 0,
      outputs: { tpr, edr, log, xtc },
      frame: { file: frame, step: stage.step, energyKjMol: stage.energyKjMol },
    });
  };
  const miner: MemoryMiner = new MemoryMiner(bob.address, 2, (job) => {
    running = running.then(() =>
      simulate(job).catch((error: unknown) => {
        miner.update(job.jobId, { state: 'failed', error: String(error).slice(0, 200) });
      }),
    );
  });
  const axon = new Axon({ keypair: bob });
  miner.attachTo(axon);
  const target: AxonTarget = await axon.start();
  const dendrite = new Dendrite({ keypair: alice });
  console.log(
    `fold loopback demo: miner axon //Bob at ${target.ip}:${target.port}, validator dendrite //Alice\n`,
  );

  try {
    console.log(
      'validator: preparing 1L2Y (pdb2gmx charmm27/tip3p, dodecahedron, water, ions, EM)...',
    );
    const prepared = await ensurePreparedSystem('1l2y');
    const inputs = await readBundleFiles(prepared.dir, prepared.inputs);
    const inputBundle = encodeBundleBase64(inputs);
    const raw = inputs.reduce((sum, f) => sum + f.bytes.length, 0);
    console.log(
      `  input bundle: ${inputs.map((f) => f.name).join(', ')}: ${kb(raw)} raw, ${kb(inputBundle.length)} as base64 field\n`,
    );

    const deadline = Date.now() + 3_600_000;
    const request = (jobId: string, seed: number) => ({
      job_id: jobId,
      protein_id: '1l2y',
      input_bundle: inputBundle,
      params: { nvt: nvtParams(NVT_STEPS) },
      seed,
      deadline_unix_ms: deadline,
    });
    for (const [jobId, seed] of [
      ['job-1l2y-a', 101],
      ['job-1l2y-b', 202],
    ] as const) {
      const assigned = expectOk(
        await dendrite.call(target, FoldAssign, request(jobId, seed), { timeoutMs: 30_000 }),
      );
      console.log(
        `FoldAssign ${jobId}: accepted=${assigned.response.accepted}, free slots ${assigned.response.free_slots} ${wire(assigned)}`,
      );
    }

    let etags: Record<string, string> = { 'job-1l2y-a': '', 'job-1l2y-b': '' };
    let lastPollBytes = 0;
    const poll = async (label: string) => {
      const result = expectOk(await dendrite.call(target, FoldProgress, { jobs: etags }));
      lastPollBytes = result.bytesSent + result.bytesReceived;
      const changed = Object.entries(result.response.progress).map(
        ([id, r]) => `${id} ${r.state}${r.stage ? `/${r.stage}` : ''} step ${r.step}`,
      );
      const unchanged = result.response.unchanged.map((id) => `${id} unchanged`);
      console.log(
        `FoldProgress ${label}: ${[...changed, ...unchanged].join('; ')} ${wire(result)}`,
      );
      etags = {
        ...etags,
        ...Object.fromEntries(
          Object.entries(result.response.progress).map(([id, r]) => [id, r.etag]),
        ),
      };
      return result.response;
    };
    await poll('first');
    await poll('repeat');

    const cancelled = expectOk(
      await dendrite.call(target, FoldCancel, { job_id: 'job-1l2y-b', reason: 'superseded' }),
    );
    console.log(
      `FoldCancel job-1l2y-b: cancelled=${cancelled.response.cancelled}, state ${cancelled.response.state} ${wire(cancelled)}`,
    );

    console.log(`\nminer: running NVT (${NVT_STEPS} steps) on the received files...`);
    for (;;) {
      const job = miner.jobs.get('job-1l2y-a');
      if (job?.state === 'finished' || job?.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const report = (await poll('after the stage')).progress['job-1l2y-a'];
    if (report === undefined || report.state !== 'finished')
      throw new Error(`job ended ${report?.state}: ${report?.error}`);
    console.log(
      `  best potential energy ${report.best_potential_energy_kj_mol?.toFixed(1)} kJ/mol at ${report.best_stage} step ${report.best_step}, ` +
        `${report.simulated_time_ps} ps simulated, ${report.ns_per_day} ns/day, commitment ${report.best_commitment?.slice(0, 16)}...`,
    );
    await poll('repeat');

    const unchangedQueryBytes = lastPollBytes;

    // A validator holds its own tpr (it ran grompp for the job); here the miner's hash stands in
    // for it, to show a held file travelling as its hash.
    const minerTpr = miner.jobs.get('job-1l2y-a')?.outputs.tpr;
    const held = minerTpr === undefined ? [] : [sha256Hex(minerTpr.bytes)];
    const artefacts = expectOk(
      await dendrite.call(target, FoldArtefacts, {
        job_id: 'job-1l2y-a',
        stage: 'nvt',
        step: report.best_step ?? 0,
        want: ['frame', 'edr', 'log', 'tpr'],
        held_sha256: held,
      }),
    );
    const bundle = artefacts.bundles.bundle;
    if (bundle === undefined) throw new Error('no artefact bundle');
    const files = resolveBundle(bundle, (sha) => (sha === held[0] ? minerTpr?.bytes : undefined));
    const described = bundle.entries.map(
      (e) => `${e.name} ${e.method === 'reference' ? 'by hash' : kb(e.sizeBytes)}`,
    );
    console.log(`FoldArtefacts: ${described.join(', ')} ${wire(artefacts)}`);
    const frame = files.find((f) => f.name === artefacts.response.files.frame);
    const verified =
      frame !== undefined &&
      verifyFrameCommitment(report.best_commitment ?? '', {
        jobId: 'job-1l2y-a',
        minerHotkey: bob.address,
        frameBytes: frame.bytes,
      });
    console.log(
      `  frame commitment ${verified ? 'verified' : 'DOES NOT MATCH'} for //Bob's hotkey`,
    );

    console.log('\nbytes on the wire, request and response together:');
    console.log(`  repeated progress query, nothing changed: ${unchangedQueryBytes} B (2 jobs)`);
    console.log(
      `  artefacts to verify the best frame:       ${kb(artefacts.bytesSent + artefacts.bytesReceived)}`,
    );
    console.log(
      `  the reference's answer to every query:    ${kb(referenceAnswerBytes)} (tpr, xtc, edr, log, cpt as base64 JSON, per job)`,
    );
    if (!verified) process.exitCode = 1;
  } finally {
    dendrite.close();
    await axon.stop();
    await running;
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
