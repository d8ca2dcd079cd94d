import type { AuditAction } from '../domain/audit-actions.js';
import { displayNameOf } from './principal.js';
import type { UserDocument } from '../data/users-repository.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';

/** The user acting on their own account (signing in, changing their password). */
export function selfActor(user: Pick<UserDocument, 'username' | 'firstName' | 'lastName'>): AuditActor {
  return { username: user.username, displayName: displayNameOf(user) };
}

/** An audit event about a user account; `facts` is null when the product itself acts (the demo seed). */
export function userEvent(
  action: AuditAction,
  user: Pick<UserDocument, 'username' | 'labIds'>,
  actor: AuditActor | null,
  facts: RequestOrigin | null,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return auditEvent(action, { kind: 'user', username: user.username, labIds: user.labIds }, actor, facts, extra);
}
