// The baseline: the reference validator's design for the same work. Its job table is a CSV file
// (one row per job, the miners' hotkeys and figures as list columns), written out whole after
// every job update, as a pandas DataFrame's to_csv; each progress query is answered with every
// file of the miner's current stage as base64 JSON, which the validator decodes; jobs are
// queried one after another, the miners of a job at once.
import { writeFileSync } from 'node:fs';
import type { AxonTarget, Dendrite } from '@fold/synapse';
import { ReferenceQuery } from './reference-synapse.js';

export interface ReferenceJob {
  readonly jobId: string;
  readonly pdbId: string;
  readonly hotkeys: readonly string[];
  bestLoss: number | null;
  bestHotkey: string | null;
  updatedCount: number;
  updatedAt: number;
  lastSteps: number[];
  fileBytes: number[];
}

function quote(field: string): string {
  return /[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** The CSV job table, rewritten whole on every update. */
export class CsvJobStore {
  constructor(
    private readonly path: string,
    readonly jobs: ReferenceJob[],
  ) {
    this.write();
  }

  update(job: ReferenceJob): void {
    job.updatedCount++;
    job.updatedAt = Date.now();
    this.write();
  }

  private write(): void {
    const header =
      'job_id,pdb,hotkeys,best_loss,best_hotkey,updated_count,updated_at,last_steps,file_bytes';
    const rows = this.jobs.map((j) =>
      [
        j.jobId,
        j.pdbId,
        JSON.stringify(j.hotkeys),
        j.bestLoss === null ? '' : String(j.bestLoss),
        j.bestHotkey ?? '',
        String(j.updatedCount),
        String(j.updatedAt),
        JSON.stringify(j.lastSteps),
        JSON.stringify(j.fileBytes),
      ]
        .map(quote)
        .join(','),
    );
    writeFileSync(this.path, `${header}\n${rows.join('\n')}\n`);
  }
}

/** One reference round over `jobs`: query, decode every file, update the CSV per job. */
export async function referenceRound(
  dendrite: Dendrite,
  miners: readonly AxonTarget[],
  jobs: readonly ReferenceJob[],
  store: CsvJobStore,
  timeoutMs: number,
): Promise<{ queries: number; failed: number; bytes: number }> {
  let queries = 0;
  let failed = 0;
  let bytes = 0;
  for (const job of jobs) {
    const results = await Promise.all(
      miners.map((m) => dendrite.call(m, ReferenceQuery, { pdb_id: job.pdbId }, { timeoutMs })),
    );
    results.forEach((result, i) => {
      queries++;
      bytes += result.bytesSent + result.bytesReceived;
      if (!result.ok) {
        failed++;
        return;
      }
      let size = 0;
      for (const text of Object.values(result.response.md_output))
        size += Buffer.from(text, 'base64').length;
      job.fileBytes[i] = size;
      job.lastSteps[i] = (job.lastSteps[i] ?? 0) + 5_000;
    });
    store.update(job);
  }
  return { queries, failed, bytes };
}
