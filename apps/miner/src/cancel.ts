import {
  InvalidTransitionError,
  isTerminalAssignmentState,
  type MinerAssignments,
  type SimulationQueues,
} from '@fold/job-store';
import type { FoldCancel, SynapseRequest, SynapseResponse } from '@fold/synapse';
import type { Logger } from 'pino';
import { type CapacityPolicy, countActiveJobs, freeSlots } from './capacity.js';
import { reportedState } from './progress.js';

/**
 * Cancels one of the caller's jobs: the record turns `cancelled` first (progress shows it at
 * once), then the simulation is removed from its queue or, when it runs, its runner is signalled
 * in whichever process runs it: mdrun stops and the slot is free. The files are purged by
 * housekeeping once the runner has let go of them. A finished job is left as it is.
 */
export async function answerCancel(
  request: SynapseRequest<typeof FoldCancel>,
  validatorHotkey: string,
  services: {
    readonly assignments: MinerAssignments;
    readonly queues: SimulationQueues;
    readonly capacity: CapacityPolicy;
    readonly logger: Logger;
  },
): Promise<SynapseResponse<typeof FoldCancel>> {
  const { assignments, queues, capacity } = services;
  const id = assignments.idFor(validatorHotkey, request.job_id);
  const assignment = await assignments.get(id);
  let cancelled = false;
  let state = assignment?.state;
  if (assignment !== undefined && !isTerminalAssignmentState(assignment.state)) {
    try {
      const updated = await assignments.update(id, {
        state: 'cancelled',
        error: `cancelled by the validator (${request.reason})`,
      });
      state = updated.assignment.state;
      cancelled = true;
    } catch (error) {
      // It finished (or failed) between the read and the update: report how it ended.
      if (!(error instanceof InvalidTransitionError)) throw error;
      state = (await assignments.require(id)).state;
    }
    if (cancelled) {
      const outcome = await queues.cancel(id, request.reason);
      services.logger.info({ job: id, reason: request.reason, outcome }, 'assignment cancelled');
    }
  }
  return {
    cancelled,
    state: state === undefined ? null : reportedState(state),
    free_slots: freeSlots(await countActiveJobs(assignments), capacity),
  };
}
