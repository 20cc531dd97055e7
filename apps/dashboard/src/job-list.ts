import type { JobSummary } from './api-schemas.js';
import type { JobFilters } from './route.js';

/** The jobs that pass the list's filters, in the order given. Pure. */
export function filterJobs(jobs: readonly JobSummary[], filters: JobFilters): JobSummary[] {
  const text = filters.text.trim().toLowerCase();
  return jobs.filter(
    (job) =>
      (filters.status === null || job.status === filters.status) &&
      (filters.source === null || job.source === filters.source) &&
      (text === '' ||
        job.jobId.toLowerCase().includes(text) ||
        job.proteinId.toLowerCase().includes(text)),
  );
}

// The parameters a list row shows, in this order; the job page shows them all.
const SUMMARY_KEYS = ['forceField', 'water', 'box', 'temperatureK', 'stages', 'mdSteps'] as const;
const UNITS: Readonly<Record<string, string>> = { temperatureK: ' K', mdSteps: ' md steps' };

/**
 * A job's main parameters in one line (`charmm27 · tip3p · dodecahedron · 300 K · md ·
 * 2000 md steps`); those the preparation had not fixed yet are left out. Pure.
 */
export function parametersLine(params: Readonly<Record<string, unknown>>): string {
  return SUMMARY_KEYS.flatMap((key) => {
    const value = params[key];
    if (value === undefined || value === null || value === '') return [];
    return [`${String(value)}${UNITS[key] ?? ''}`];
  }).join(' · ');
}
