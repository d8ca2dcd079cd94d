import type { LabAccess } from '../schemas/users.js';
import {
  auditReviewCategories,
  type AccessAccount,
  type AuditReviewCategory,
  type AuditTrailFigures,
  type ReviewEntry,
  type UserAccessFigures,
} from '../schemas/reviews.js';
import { actionInWords } from './audit-actions.js';
import type { AuditEvent } from './audit-chain.js';

/**
 * The figures of a periodic review (SPEC §16), from what was read: pure, so a test counts by hand
 * what the review counts.
 */

/** Actions that are signatures by design: each is signed with a password (or a fresh Microsoft sign-in) and a meaning. */
const signedActions = new Set([
  'record.completed',
  'record.verified',
  'record.justified',
  'record.amended',
  'calibration.recorded',
  'calibration.approved',
  'calibration.rejected',
  'calibration.amended',
  'nonconformity.item-disposed',
  'nonconformity.closed',
  'equipment.returned-to-service',
  'review.signed',
]);

/** Who may do what changed: lab access, roles, and the status of accounts. */
const permissionActions = new Set([
  'user.created',
  'user.imported',
  'user.access.granted',
  'user.access.revoked',
  'user.access.synced',
  'user.disabled',
  'user.enabled',
  'user.unlocked',
  'user.password.reset',
]);

const userRoleFields = ['companyRole', 'labAccess', 'primaryLabId', 'labIds', 'status'];

function objectOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A signature another room may add later still counts: its entry carries the signed content's hash or the signer block. */
function carriesSignature(entry: AuditEvent): boolean {
  const after = objectOf(entry.after);
  if (typeof after.contentHash === 'string') return true;
  return Object.values(after).some((value) => {
    const inner = objectOf(value);
    return typeof inner.meaning === 'string' && typeof inner.signedAt === 'string';
  });
}

/** The categories an entry falls in (one entry may be in two: an amendment is also a signature). */
export function reviewCategoriesOf(entry: AuditEvent): AuditReviewCategory[] {
  const categories: AuditReviewCategory[] = [];
  const { action } = entry;
  if (signedActions.has(action) || carriesSignature(entry)) categories.push('signatures');
  if (action.endsWith('.amended')) categories.push('amendments');
  if (action === 'auth.login.failed' || action === 'auth.login.refused' || action === 'auth.login.paused') categories.push('failedSignIns');
  if (action === 'user.locked') categories.push('lockouts');
  if (permissionActions.has(action)) categories.push('permissionChanges');
  if (action === 'user.updated') {
    const before = objectOf(entry.before);
    const after = objectOf(entry.after);
    if (userRoleFields.some((field) => field in after && JSON.stringify(before[field]) !== JSON.stringify(after[field]))) categories.push('permissionChanges');
  }
  if (action === 'break-glass.used' || objectOf(entry.after).override || objectOf(entry.after).overrideReason) categories.push('overrides');
  if (action === 'access.denied' || action.endsWith('.refused')) categories.push('deniedRequests');
  return categories;
}

/** Where the audit trail page shows an entry's subject. */
export function auditLink(labId: string, entry: Pick<AuditEvent, 'entityType' | 'entityId' | 'at'>): string {
  const query = new URLSearchParams({ labId, entityType: entry.entityType, entityId: entry.entityId });
  return `/audit?${query.toString()}`;
}

function reviewEntry(labId: string, entry: AuditEvent): ReviewEntry {
  return {
    at: entry.at,
    action: entry.action,
    actionWords: actionInWords(entry.action),
    actor: entry.actor?.displayName ?? null,
    entityType: entry.entityType,
    entityId: entry.entityId,
    reason: entry.reason ?? null,
    link: auditLink(labId, entry),
  };
}

/** Counts of every category over all the entries, and the newest `entriesShown` of each to look at. */
export function auditTrailFigures(labId: string, entries: readonly AuditEvent[], entriesShown = 100): AuditTrailFigures {
  const counts = Object.fromEntries(auditReviewCategories.map((category) => [category, 0])) as Record<AuditReviewCategory, number>;
  const listed = Object.fromEntries(auditReviewCategories.map((category) => [category, [] as ReviewEntry[]])) as Record<AuditReviewCategory, ReviewEntry[]>;
  const newestFirst = [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  for (const entry of newestFirst) {
    for (const category of reviewCategoriesOf(entry)) {
      counts[category] += 1;
      if (listed[category].length < entriesShown) listed[category].push(reviewEntry(labId, entry));
    }
  }
  return { kind: 'audit-trail', counts, entries: listed, entriesShown, entriesRead: entries.length };
}

const msPerDay = 86_400_000;

/** What an access review reads of an account. */
export interface AccessHolder {
  username: string;
  firstName: string;
  lastName: string;
  primaryLabId: string;
  companyRole: string | null;
  labAccess: readonly LabAccess[];
  status: string;
  authMethod: string;
  createdAt: string;
  lastLoginAt: string | null;
}

/**
 * Who holds which role at the lab, when each last signed in, which accounts are dormant (no sign-in
 * for more than `dormantAfterDays` before `at`) and which were never used. Disabled accounts are
 * listed but never dormant: they cannot sign in anyway.
 */
export function userAccessFigures(labId: string, users: readonly AccessHolder[], at: Date, dormantAfterDays: number): UserAccessFigures {
  const accounts: AccessAccount[] = users
    .map((user) => {
      const role = user.companyRole ?? user.labAccess.find((access) => access.labId === labId)?.role ?? 'none';
      const neverUsed = user.lastLoginAt === null;
      const lastUse = Date.parse(user.lastLoginAt ?? user.createdAt);
      const dormant = user.status !== 'Disabled' && at.getTime() - lastUse > dormantAfterDays * msPerDay;
      return {
        username: user.username,
        displayName: `${user.firstName} ${user.lastName}`.trim() || user.username,
        role,
        primaryLab: user.primaryLabId === labId,
        status: user.status,
        authMethod: user.authMethod,
        createdAt: user.createdAt,
        lastSignInAt: user.lastLoginAt,
        dormant,
        neverUsed,
      };
    })
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  const byRole: Record<string, number> = {};
  for (const account of accounts) byRole[account.role] = (byRole[account.role] ?? 0) + 1;
  return {
    kind: 'user-access',
    dormantAfterDays,
    counts: {
      accounts: accounts.length,
      byRole,
      dormant: accounts.filter((account) => account.dormant).length,
      neverUsed: accounts.filter((account) => account.neverUsed).length,
      locked: accounts.filter((account) => account.status === 'Locked').length,
      disabled: accounts.filter((account) => account.status === 'Disabled').length,
    },
    accounts,
  };
}
