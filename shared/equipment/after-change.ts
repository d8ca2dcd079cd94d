import type { NonconformityDocument } from '../data/nonconformity-repository.js';
import type { RecordDocument } from '../data/records-repository.js';
import type { AuditActor } from '../domain/audit-chain.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';

/**
 * The work that follows a change to machines, done by rooms that come later (the lab run in jobs/,
 * nonconformities, notifications). A use case announces the change here instead of importing them;
 * the function entry (functions/index.ts) wires the followers at start-up, as it does the authenticator.
 * Each is awaited, so the answer to the request is sent once its follow-up is done.
 */
export interface AfterChange {
  /** Machines of these labs changed status or lab: their open records follow at once (a failure is mended by the next run). */
  machinesChanged(labIds: readonly string[], cause: 'equipment-change' | 'transfer'): Promise<void>;
  /** A record was completed with a fault: its nonconformity opens, once however often this is called. */
  faultFound(record: RecordDocument, actor: AuditActor, facts: RequestOrigin | null): Promise<unknown>;
  /** A nonconformity opened: the lab's subscribers are told at once, or by the next scheduled run. */
  nonconformityOpened(nc: NonconformityDocument): Promise<void>;
}

let followers: AfterChange | null = null;

export function useAfterChange(given: AfterChange): void {
  followers = given;
}

export function afterChange(): AfterChange {
  if (!followers) throw new Error('Nothing follows a change: the function entry (functions/index.ts) wires the followers with useAfterChange');
  return followers;
}
