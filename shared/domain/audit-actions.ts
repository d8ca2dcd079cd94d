/**
 * Audit actions in words, as the audit trail page and its readers say them. The codes stay in the
 * entries (and the API) because reports and integrations filter on them.
 */
export const auditActionWords = {
  'access.denied': 'Request refused for lack of permission',
  'api-key.created': 'API key created',
  'api-key.refused': 'API key refused',
  'api-key.revoked': 'API key revoked',
  'api-key.used': 'API key used (first use of the day)',
  'auth.login': 'Signed in',
  'auth.login.failed': 'Sign-in failed',
  'auth.login.paused': 'Sign-in paused for devices the account has not used',
  'auth.login.refused': 'Sign-in refused',
  'auth.logout': 'Signed out',
  'auth.signature.reauthenticated': 'Signed in again at Microsoft to sign',
  'break-glass.refused': 'Break-glass refused: wrong token',
  'break-glass.used': 'Break-glass used to let an Administrator in',
  'calibration-interval.accepted': 'Calibration interval review accepted, signed',
  'calibration-interval.rejected': 'Calibration interval review rejected, signed',
  'calibration-plan.changed': 'Calibration plan changed',
  'calibration-provider.created': 'Calibration provider added',
  'calibration-provider.updated': 'Calibration provider changed',
  'calibration.amended': 'Calibration amended',
  'calibration.approved': 'Calibration approved',
  'calibration.certificate-added': 'Calibration certificate added',
  'calibration.overdue': 'Calibration overdue: machine not fit',
  'calibration.recalibration-requested': 'Recalibration requested by a disposition',
  'calibration.recorded': 'Calibration recorded and signed',
  'calibration.rejected': 'Calibration rejected',
  'entra-app.refused': 'Microsoft Entra app refused',
  'entra-app.used': 'Microsoft Entra app used (first use of the day)',
  'equipment-class.created': 'Equipment class added',
  'equipment-class.imported': 'Equipment class imported',
  'equipment.fitness-changed': 'Machine became fit or not fit for use',
  'equipment.imported': 'Machine imported',
  'equipment.quarantined': 'Machine quarantined by a nonconformity',
  'equipment.registered': 'Machine registered',
  'equipment.report-key-rotated': 'New report key for the machine’s label',
  'equipment.returned-to-service': 'Machine returned to service',
  'equipment.transfer-incoming': 'Transfer on its way in',
  'equipment.transfer-started': 'Transfer started',
  'equipment.transferred-in': 'Machine transferred in',
  'equipment.transferred-out': 'Machine transferred out',
  'equipment.updated': 'Machine changed',
  'import.started': 'Import from the old system started',
  'installation.setup': 'Installation set up: first lab and Administrator',
  'intermediate-check.recorded': 'Intermediate check recorded and signed',
  'lab.created': 'Lab added',
  'lab.imported': 'Lab imported',
  'lab.updated': 'Lab changed',
  'meter.added': 'Meter added to a machine',
  'meter.read': 'Meter reading taken',
  'model.created': 'Model added',
  'problem-report.closed': 'Request from the machine closed',
  'problem-report.nonconformity': 'Request from the machine turned into a nonconformity',
  'problem-report.received': 'Problem reported at the machine',
  'model.imported': 'Model imported',
  'model.updated': 'Model changed',
  'nonconformity.attachment-added': 'Photo or report added to a nonconformity',
  'nonconformity.closed': 'Nonconformity closed',
  'nonconformity.item-disposed': 'Impact item disposed',
  'nonconformity.opened': 'Nonconformity opened',
  'nonconformity.repair-logged': 'Repair logged',
  'record.amended': 'Record amended',
  'record.completed': 'Checklist completed and signed',
  'record.justified': 'Missed checklist justified',
  'record.missed': 'Usage checklist missed: its meter passed the due window',
  'record.opened': 'Usage checklist opened: its meter passed a threshold',
  'record.verified': 'Checklist verified',
  'records.generated': 'Checklists generated',
  'records.imported': 'Records imported',
  'review.signed': 'Periodic review signed',
  'user.access.granted': 'Lab access granted',
  'user.access.revoked': 'Lab access removed',
  'user.access.synced': 'Lab access taken from Microsoft groups',
  'user.created': 'User added',
  'user.disabled': 'User disabled',
  'user.enabled': 'User enabled',
  'user.imported': 'User imported',
  'user.locked': 'Account locked',
  'user.notifications.changed': 'Notification choices changed',
  'user.notifications.unsubscribed': 'Unsubscribed by e-mail link',
  'user.password.changed': 'Password changed',
  'user.password.reset': 'Temporary password set',
  'user.password.rehashed': 'Password stored with the current hash',
  'user.unlocked': 'Account unlocked',
  'user.updated': 'User changed',
  'webhook.created': 'Webhook subscription created',
  'webhook.deleted': 'Webhook subscription deleted',
  'webhook.disabled': 'Webhook subscription disabled',
  'webhook.enabled': 'Webhook subscription enabled',
} as const satisfies Record<string, string>;

/**
 * Every action the product records: one of the above, so that each has its words, or an old system's
 * own event brought in by the import ("legacy.Status Change").
 */
export type AuditAction = keyof typeof auditActionWords | `legacy.${string}`;

/** The action in words; an old system's own event ("legacy.Status Change") keeps its own words. */
export function actionInWords(action: string): string {
  const words: Record<string, string> = auditActionWords;
  if (words[action]) return words[action];
  if (action.startsWith('legacy.')) return `${action.slice('legacy.'.length)} (old system)`;
  const spelled = action.replace(/[.-]/g, ' ');
  return spelled.charAt(0).toUpperCase() + spelled.slice(1);
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** The top-level fields an entry's before and after differ in, in the order they first appear. */
export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const asObject = (value: unknown): Record<string, unknown> =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const was = asObject(before);
  const is = asObject(after);
  const fields = [...new Set([...Object.keys(was), ...Object.keys(is)])];
  return fields.filter((field) => JSON.stringify(was[field]) !== JSON.stringify(is[field])).map((field) => ({ field, before: was[field], after: is[field] }));
}
