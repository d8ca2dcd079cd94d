import type { AuditAction } from './audit-actions.js';
import type { AuditActor, AuditEvent } from './audit-chain.js';

/** The request a change came from: its id and the caller's address. Null when the product itself acts (the generator, the demo seed). */
export interface AuditOrigin {
  requestId: string;
  clientAddress?: string;
}

/** What an audit entry is about: each kind names its own id, and the labs whose auditors see the entry. */
export type AuditSubject =
  | { kind: 'equipment'; serialNumber: string; labIds: readonly string[] }
  | { kind: 'nonconformity'; ncNumber: string; labIds: readonly string[] }
  | { kind: 'record'; recordNumber: string; labId: string }
  | { kind: 'problem-report'; reportNumber: string; labId: string }
  | { kind: 'lab'; labId: string }
  | { kind: 'review'; reviewNumber: string; labId: string }
  | { kind: 'user'; username: string; labIds: readonly string[] }
  | { kind: 'api-key'; keyId: string; labIds: readonly string[] }
  | { kind: 'webhook'; subscriptionId: string; labIds: readonly string[] }
  | { kind: 'entra-app'; appId: string; labIds: readonly string[] }
  | { kind: 'calibration-provider'; providerId: string }
  | { kind: 'equipment-class' | 'model'; key: string };

function entityOf(subject: AuditSubject): Pick<AuditEvent, 'entityType' | 'entityId' | 'labIds'> {
  switch (subject.kind) {
    case 'equipment':
      return { entityType: 'equipment', entityId: subject.serialNumber, labIds: [...subject.labIds] };
    case 'nonconformity':
      return { entityType: 'nonconformity', entityId: subject.ncNumber, labIds: [...new Set(subject.labIds)] };
    case 'record':
      return { entityType: 'record', entityId: subject.recordNumber, labIds: [subject.labId] };
    case 'review':
      return { entityType: 'review', entityId: subject.reviewNumber, labIds: [subject.labId] };
    case 'problem-report':
      return { entityType: 'problem-report', entityId: subject.reportNumber, labIds: [subject.labId] };
    case 'lab':
      return { entityType: 'lab', entityId: subject.labId, labIds: [subject.labId] };
    case 'user':
      return { entityType: 'user', entityId: subject.username, labIds: [...subject.labIds] };
    case 'api-key':
      return { entityType: 'api-key', entityId: subject.keyId, labIds: [...subject.labIds] };
    case 'webhook':
      return { entityType: 'webhook', entityId: subject.subscriptionId, labIds: [...subject.labIds] };
    case 'entra-app':
      return { entityType: 'entra-app', entityId: subject.appId, labIds: [...subject.labIds] };
    case 'calibration-provider':
      return { entityType: 'calibration-provider', entityId: subject.providerId, labIds: [] };
    case 'equipment-class':
    case 'model':
      return { entityType: subject.kind, entityId: subject.key, labIds: [] };
  }
}

/**
 * The one way an audit event is made: what it is about, who acted, from which request, and what
 * changed (`details`: before, after, reason, or a field the subject's kind sets otherwise).
 */
export function auditEvent(
  action: AuditAction,
  subject: AuditSubject,
  actor: AuditActor | null,
  origin: AuditOrigin | null,
  details: Partial<AuditEvent> = {},
): AuditEvent {
  return {
    action,
    ...entityOf(subject),
    actor,
    at: new Date().toISOString(),
    ...(origin ? { requestId: origin.requestId, ...(origin.clientAddress === undefined ? {} : { clientAddress: origin.clientAddress }) } : {}),
    ...details,
  };
}
