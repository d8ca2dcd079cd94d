/**
 * The fixed words of the domain as plain lists: the schemas build their enums from them, and the web
 * app imports them from here so that its bundle does not carry zod.
 */
export const frequencies = ['Daily', 'Weekly', 'Monthly', 'Quarterly', 'Annual'] as const;
export const taskKinds = ['check', 'reading'] as const;
export const companyRoles = ['Administrator', 'Global Audit'] as const;
export const labRoles = ['Manager', 'Local Audit', 'Technician'] as const;
export const roles = [...companyRoles, ...labRoles] as const;
export const equipmentStatuses = ['In Service', 'Out of Service', 'Repair onsite', 'Repair offsite', 'Retired onsite', 'Retired offsite'] as const;
/** The statuses of a machine in the lab, not retired, that is not working: the reliability report's time out of service. */
export const downStatuses = ['Out of Service', 'Repair onsite', 'Repair offsite'] as const;
export const recordStatuses = ['Open', 'Completed', 'Missed', 'Cancelled'] as const;
/** What a completion signature means (21 CFR Part 11 §11.50); amendments always mean "Amended by". */
/** Completion is signed by who performed the PM; a second person verifies it where the model asks for that. */
export const completionMeanings = ['Performed by'] as const;
export const verificationMeaning = 'Verified by';
export const amendmentMeaning = 'Amended by';
export const justificationMeaning = 'Justified by';
export const userStatuses = ['Active', 'Locked', 'Disabled'] as const;
/** What opened a nonconformity (SPEC §10). */
export const nonconformitySources = ['calibration', 'pm-fault', 'reported', 'intermediate-check'] as const;
/** A Manager's word on each result a nonconformity may have touched. */
export const dispositions = ['No impact', 'Re-test', 'Recalibrate', 'Customer notified'] as const;
/** The statuses a repair moves a quarantined machine through. */
export const repairStatuses = ['Repair onsite', 'Repair offsite'] as const;

/**
 * The largest photo a problem report at the machine takes: in base64 it fits the API's 1 MiB JSON body.
 * The web app shrinks a larger camera photo to fit before sending.
 */
export const problemPhotoMaxBytes = 700 * 1024;

/** Periodic reviews (SPEC §16): the kinds, the meaning of their signature, and what an audit-trail review counts. */
export const reviewKinds = ['audit-trail', 'user-access'] as const;
export type ReviewKind = (typeof reviewKinds)[number];
export const reviewKindWords: Record<ReviewKind, string> = { 'audit-trail': 'Audit trail review', 'user-access': 'User access review' };

export const reviewMeaning = 'Reviewed by';

/** What an audit-trail review counts, in the order the review shows them. */
export const auditReviewCategories = ['signatures', 'amendments', 'failedSignIns', 'lockouts', 'permissionChanges', 'overrides', 'deniedRequests'] as const;
export type AuditReviewCategory = (typeof auditReviewCategories)[number];
export const auditReviewCategoryWords: Record<AuditReviewCategory, string> = {
  signatures: 'Signatures',
  amendments: 'Amendments',
  failedSignIns: 'Failed sign-ins',
  lockouts: 'Lockouts',
  permissionChanges: 'Permission and role changes',
  overrides: 'Overrides',
  deniedRequests: 'Denied requests',
};

/** What an API key may do: read the OData feed, ask whether a machine is fit for use (SPEC §14), post meter readings (SPEC §15). */
export const apiKeyScopes = ['feed:read', 'fitness:read', 'meters:write'] as const;

/**
 * What a webhook subscriber can be told (SPEC §14), each the word for audit actions of the lab's
 * equipment chain, or its records chain for a missed checklist: a LIMS stops accepting results from a
 * machine that is not fit for use and takes them again once it is fit.
 */
export const webhookEventTypes = [
  'machine.quarantined',
  'machine.returned-to-service',
  'calibration.overdue',
  'calibration.approved',
  'nonconformity.opened',
  'nonconformity.closed',
  'machine.fitness-changed',
  'record.missed',
] as const;
