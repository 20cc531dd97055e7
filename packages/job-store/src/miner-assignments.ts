import {
  type AssignmentState,
  type AssignmentUpdate,
  AssignmentUpdateSchema,
  applyAssignmentUpdate,
  MINER_ASSIGNMENT_STATES,
  type MinerAssignmentRecord,
  MinerAssignmentRecordSchema,
  type NewMinerAssignment,
  NewMinerAssignmentSchema,
  newAssignmentRecord,
  TERMINAL_ASSIGNMENT_STATES,
} from './assignment-record.js';
import type { JobStore } from './connection.js';
import { AssignmentNotFoundError, InvalidInputError } from './errors.js';
import { RecordCodec } from './record-codec.js';
import { simulationJobId } from './simulation-job.js';
import { type UpdateOptions, type Versioned, VersionedTable } from './versioned-table.js';

/** A miner's assignment as stored, with its version (an etag for progress answers). */
export type MinerAssignment = Versioned<MinerAssignmentRecord>;

const recordCodec = new RecordCodec('miner assignment', MinerAssignmentRecordSchema);
const newCodec = new RecordCodec('new miner assignment', NewMinerAssignmentSchema);
const updateCodec = new RecordCodec('assignment update', AssignmentUpdateSchema);

function checkState(state: string): asserts state is AssignmentState {
  if (!(MINER_ASSIGNMENT_STATES as readonly string[]).includes(state)) {
    throw new InvalidInputError(`unknown assignment state "${state}"`, { field: 'state' });
  }
}

/**
 * The miner's persistent record of each assignment (validator, protein, parameters, seed,
 * deadline, state, stage, step, best energy, commitment, files), so that progress queries are
 * answered from the store and a restarted miner knows what it was doing. Updates are atomic and
 * bump the version; assignments are indexed by state, ordered by deadline.
 */
export class MinerAssignments {
  private readonly table: VersionedTable<typeof MinerAssignmentRecordSchema>;

  constructor(store: JobStore) {
    this.table = new VersionedTable({
      store,
      namespace: 'assignment',
      codec: recordCodec,
      what: 'miner assignment',
      notFound: (id) => new AssignmentNotFoundError(id),
      indexesOf: (record) => [{ key: this.stateKey(record.state), score: record.deadlineAt }],
    });
  }

  private stateKey(state: AssignmentState): string {
    return this.table.indexKey('state', state);
  }

  /** The id of the assignment for a validator's job: `<validator hotkey>.<validator job id>`. */
  idFor(validatorHotkey: string, validatorJobId: string): string {
    return simulationJobId(validatorHotkey, validatorJobId);
  }

  /**
   * Records a new assignment in state `received`; returns the existing one (`created: false`)
   * when the validator sent the same job again. @throws {InvalidInputError}
   */
  async create(
    input: NewMinerAssignment,
    options: { nowMs?: number } = {},
  ): Promise<{ assignment: MinerAssignment; created: boolean }> {
    const checked = newCodec.checkInput(input);
    const id = this.idFor(checked.validatorHotkey, checked.validatorJobId);
    const { record, created } = await this.table.create(
      id,
      newAssignmentRecord(id, checked, options.nowMs ?? Date.now()),
    );
    return { assignment: record, created };
  }

  /** The assignment, or undefined. */
  async get(id: string): Promise<MinerAssignment | undefined> {
    return this.table.get(id);
  }

  /** The assignments that exist among `ids`, in their order, read in one round trip. */
  async getMany(ids: readonly string[]): Promise<MinerAssignment[]> {
    return this.table.getMany(ids);
  }

  /** The assignment. @throws {AssignmentNotFoundError} */
  async require(id: string): Promise<MinerAssignment> {
    return this.table.require(id);
  }

  /**
   * Changes some fields atomically and bumps the version (see {@link applyAssignmentUpdate}).
   * @throws {InvalidInputError} @throws {InvalidTransitionError} @throws {VersionConflictError}
   * @throws {AssignmentNotFoundError}
   */
  async update(
    id: string,
    update: AssignmentUpdate,
    options: UpdateOptions & { nowMs?: number } = {},
  ): Promise<{ assignment: MinerAssignment; applied: boolean }> {
    const checked = updateCodec.checkInput(update, { id });
    const { record, applied } = await this.table.update(
      id,
      (current) => applyAssignmentUpdate(current, checked, options.nowMs ?? Date.now()),
      options,
    );
    return { assignment: record, applied };
  }

  /** Assignments in a state, earliest deadline first. */
  async listByState(
    state: AssignmentState,
    options: { offset?: number; limit?: number } = {},
  ): Promise<MinerAssignment[]> {
    checkState(state);
    return this.table.list(this.stateKey(state), options);
  }

  /** Number of assignments in a state. */
  async countByState(state: AssignmentState): Promise<number> {
    checkState(state);
    return this.table.count(this.stateKey(state));
  }

  /** Unfinished assignments whose deadline is at or before `nowMs` (to expire and clean up). */
  async listOverdue(nowMs: number, limit = 1_000): Promise<MinerAssignment[]> {
    const open = MINER_ASSIGNMENT_STATES.filter((s) => !TERMINAL_ASSIGNMENT_STATES.includes(s));
    const ids = (
      await Promise.all(open.map((s) => this.table.listIdsUpTo(this.stateKey(s), nowMs, limit)))
    ).flat();
    return this.table.getMany(ids.slice(0, limit));
  }

  /** Removes an assignment record; false when there was none. */
  async delete(id: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    return this.table.delete(id, options);
  }
}

/** Opens the miner's assignment records on a store. */
export function openMinerAssignments(store: JobStore): MinerAssignments {
  return new MinerAssignments(store);
}
