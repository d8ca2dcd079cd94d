import type { z } from 'zod';
import type { equipmentHistorySchema, EquipmentEvent } from '../../../shared/schemas/equipment.js';
import { api } from '../api.js';
import { Link } from '../router.js';
import { Badge, ErrorMessage, formatDateTime, Loading, PageTitle, useLoad } from '../ui.js';

type EquipmentHistory = z.infer<typeof equipmentHistorySchema>;

function describeEvent(event: EquipmentEvent): string {
  switch (event.kind) {
    case 'registered':
      return `Registered in ${event.labId}${event.toStatus ? ` as ${event.toStatus}` : ''}`;
    case 'status':
      return `Status ${event.fromStatus} → ${event.toStatus}`;
    case 'model':
      return `Model ${event.fromModelId} → ${event.toModelId}`;
    case 'transfer':
      return `Transferred from ${event.fromLabId} to ${event.toLabId}`;
  }
}

/** ISO/IEC 17025 §6.4.13: one machine's life and every PM record it had, in every lab. */
export function EquipmentHistoryPage(props: { labId: string; serialNumber: string }) {
  const base = `/api/labs/${props.labId}/equipment/${encodeURIComponent(props.serialNumber)}/history`;
  const { data, error, loading } = useLoad(() => api.get<EquipmentHistory>(base).then(({ body }) => body), [base]);
  if (loading && !data) return <Loading what="the history" />;
  if (!data) return <ErrorMessage error={error} />;
  const { equipment } = data;
  return (
    <>
      <PageTitle title={`History · ${equipment.serialNumber}`}>
        <a class="button secondary" href={`${base}?format=csv&section=records`} download>
          Records as CSV
        </a>
        <a class="button secondary" href={`${base}?format=csv&section=events`} download>
          Events as CSV
        </a>
        <button type="button" class="secondary" onClick={() => print()}>
          Print
        </button>
      </PageTitle>
      <dl class="facts">
        <dt>Lab</dt>
        <dd>{equipment.labId}</dd>
        <dt>Model</dt>
        <dd>{equipment.modelId}</dd>
        <dt>Status</dt>
        <dd>
          <Badge status={equipment.status} />
        </dd>
        <dt>Registered</dt>
        <dd>{formatDateTime(equipment.createdAt, equipment.labId)}</dd>
      </dl>
      <h2>Events</h2>
      <ol class="timeline">
        {data.events.map((event, index) => (
          <li key={index}>
            <time dateTime={event.at}>{formatDateTime(event.at, event.labId)}</time> {describeEvent(event)}
            {event.by && <span class="by"> by {event.by.displayName}</span>}
          </li>
        ))}
      </ol>
      <h2>PM records</h2>
      {data.records.length === 0 ? (
        <p class="empty">No PM records yet.</p>
      ) : (
        <div class="table-box">
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Lab</th>
              <th scope="col">Frequency</th>
              <th scope="col">Period</th>
              <th scope="col">Status</th>
              <th scope="col">Signed</th>
            </tr>
          </thead>
          <tbody>
            {data.records.map((record) => (
              <tr key={record.recordNumber}>
                <td data-label="Record">
                  <Link href={`/records/${record.labId}/${record.recordNumber}`}>{record.recordNumber}</Link>
                </td>
                <td data-label="Lab">{record.labId}</td>
                <td data-label="Frequency">{record.frequency}</td>
                <td data-label="Period">{record.periodStart}</td>
                <td data-label="Status">
                  <Badge status={record.status} />
                  {record.late && ' late'}
                </td>
                <td data-label="Signed">
                  {record.signature ? `${record.signature.meaning} ${record.signature.displayName} (${record.signature.username}), ${formatDateTime(record.signature.signedAt, record.labId)}` : '—'}
                  {record.amendments.map((amendment) => (
                    <span key={amendment.number} class="amended">
                      {' '}
                      {amendment.signature.meaning} {amendment.signature.displayName}, {formatDateTime(amendment.signature.signedAt, record.labId)}: {amendment.reason}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </>
  );
}
