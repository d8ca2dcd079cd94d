import type { PmRecord } from '../../../shared/schemas/records.js';
import { Badge } from '../ui.js';

/**
 * A record's status as it holds: a completed record that still waits for its "Verified by" does not
 * count as done yet (SPEC §5), so it wears "Awaiting verification", not "Completed".
 */
export function RecordStatusBadge(props: { record: Pick<PmRecord, 'status' | 'needsVerification' | 'verification'> }) {
  const { record } = props;
  if (record.status === 'Completed' && record.needsVerification && !record.verification) return <span class="badge open">Awaiting verification</span>;
  return <Badge status={record.status} />;
}
