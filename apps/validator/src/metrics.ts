import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The validator's Prometheus metrics, in a registry of their own (served at `/metrics`).
 * Every name starts with `fold_validator_`.
 */
export class ValidatorMetrics {
  readonly registry = new Registry();

  /** Jobs by status (set after every round). */
  readonly jobs = new Gauge({
    name: 'fold_validator_jobs',
    help: 'Jobs in the job table by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  /** Synapse calls by synapse and outcome (`ok`, or the status code). */
  readonly queries = new Counter({
    name: 'fold_validator_queries_total',
    help: 'Calls to miners by synapse and outcome',
    labelNames: ['synapse', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Bytes on the wire of those calls, by synapse and direction. */
  readonly bytes = new Counter({
    name: 'fold_validator_bytes_total',
    help: 'Bytes sent to and received from miners, HTTP headers included',
    labelNames: ['synapse', 'direction'] as const,
    registers: [this.registry],
  });

  /** Verdicts by outcome (`accepted`, `rejected`) and the first reason code of a rejection. */
  readonly verifications = new Counter({
    name: 'fold_validator_verifications_total',
    help: 'Verified claims by outcome and first rejection reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  /** Time a verification took, seconds (artefacts fetch included). */
  readonly verificationSeconds = new Histogram({
    name: 'fold_validator_verification_seconds',
    help: 'Time to fetch and verify one claim',
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  /** Progress rounds and their duration, seconds. */
  readonly roundSeconds = new Histogram({
    name: 'fold_validator_progress_round_seconds',
    help: 'Duration of a progress round',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  /** Weight settings by mode (`set`, `commit`, `dry-run`) and outcome. */
  readonly weights = new Counter({
    name: 'fold_validator_weights_total',
    help: 'Weight settings by mode and outcome',
    labelNames: ['mode', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Jobs ended, by final status. */
  readonly jobsEnded = new Counter({
    name: 'fold_validator_jobs_ended_total',
    help: 'Jobs that ended, by final status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  /** API requests by route and status code. */
  readonly apiRequests = new Counter({
    name: 'fold_validator_api_requests_total',
    help: 'HTTP API requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link ValidatorMetrics.text}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
