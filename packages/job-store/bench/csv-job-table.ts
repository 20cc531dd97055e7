// The baseline: the reference validator's job table, one CSV row per job, kept in memory and
// written out whole after every update (as a pandas DataFrame's to_csv would), read back whole
// to answer queries.
import { readFileSync, writeFileSync } from 'node:fs';

export interface CsvAssignment {
  uid: number;
  hotkey: string;
  seed: number;
  state: string;
  lastStep: number;
  lastProgressAt: number;
}

export interface CsvJob {
  jobId: string;
  proteinId: string;
  status: string;
  priority: number;
  createdAt: number;
  updatedAt: number;
  bestEnergyKjMol: number | null;
  bestHotkey: string | null;
  updateCount: number;
  assignments: CsvAssignment[];
}

const COLUMNS = [
  'job_id',
  'pdb_id',
  'status',
  'priority',
  'created_at',
  'updated_at',
  'best_loss',
  'best_hotkey',
  'updated_count',
  'uids',
  'hotkeys',
  'seeds',
  'states',
  'last_steps',
  'last_progress_at',
] as const;

function quote(field: string): string {
  return /[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

function toRow(job: CsvJob): string {
  const a = job.assignments;
  return [
    job.jobId,
    job.proteinId,
    job.status,
    String(job.priority),
    String(job.createdAt),
    String(job.updatedAt),
    job.bestEnergyKjMol === null ? '' : String(job.bestEnergyKjMol),
    job.bestHotkey ?? '',
    String(job.updateCount),
    JSON.stringify(a.map((x) => x.uid)),
    JSON.stringify(a.map((x) => x.hotkey)),
    JSON.stringify(a.map((x) => x.seed)),
    JSON.stringify(a.map((x) => x.state)),
    JSON.stringify(a.map((x) => x.lastStep)),
    JSON.stringify(a.map((x) => x.lastProgressAt)),
  ]
    .map(quote)
    .join(',');
}

/** Splits CSV text into rows of fields (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function fromRow(fields: string[]): CsvJob {
  const f = (name: (typeof COLUMNS)[number]) => fields[COLUMNS.indexOf(name)] ?? '';
  const list = <T>(name: (typeof COLUMNS)[number]) => JSON.parse(f(name)) as T[];
  const uids = list<number>('uids');
  const hotkeys = list<string>('hotkeys');
  const seeds = list<number>('seeds');
  const states = list<string>('states');
  const steps = list<number>('last_steps');
  const at = list<number>('last_progress_at');
  return {
    jobId: f('job_id'),
    proteinId: f('pdb_id'),
    status: f('status'),
    priority: Number(f('priority')),
    createdAt: Number(f('created_at')),
    updatedAt: Number(f('updated_at')),
    bestEnergyKjMol: f('best_loss') === '' ? null : Number(f('best_loss')),
    bestHotkey: f('best_hotkey') === '' ? null : f('best_hotkey'),
    updateCount: Number(f('updated_count')),
    assignments: uids.map((uid, i) => ({
      uid,
      hotkey: hotkeys[i] as string,
      seed: seeds[i] as number,
      state: states[i] as string,
      lastStep: steps[i] as number,
      lastProgressAt: at[i] as number,
    })),
  };
}

/** The reference's approach: the whole table in memory, the whole file rewritten per update. */
export class CsvJobTable {
  private readonly jobs = new Map<string, CsvJob>();

  constructor(private readonly path: string) {}

  /** Adds many jobs and writes once (set-up, not measured). */
  load(jobs: readonly CsvJob[]): void {
    for (const job of jobs) this.jobs.set(job.jobId, job);
    this.save();
  }

  /** Changes one job in memory, then rewrites the file. */
  update(jobId: string, change: (job: CsvJob) => void): void {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new Error(`no job ${jobId}`);
    change(job);
    job.updateCount++;
    this.save();
  }

  private save(): void {
    const lines = [COLUMNS.join(',')];
    for (const job of this.jobs.values()) lines.push(toRow(job));
    writeFileSync(this.path, `${lines.join('\n')}\n`);
  }

  /** Reads the file back and returns the jobs in a status. */
  listByStatus(status: string): CsvJob[] {
    const [, ...rows] = parseCsv(readFileSync(this.path, 'utf8'));
    return rows.map(fromRow).filter((job) => job.status === status);
  }
}
