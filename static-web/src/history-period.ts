import { formatDay, localDay } from '../../shared/domain/periods.js';
import type { EquipmentHistory } from '../../shared/schemas/equipment-history.js';

/**
 * The dates a machine's printed history spans: from the first thing it prints to the last, each
 * instant read as a date in the lab it happened in. A calibration entered later for an earlier day
 * counts by the day it was performed, so the period never leaves out a line the page prints.
 */
export function historyPeriod(history: EquipmentHistory, timeZoneOf: (labId: string) => string): { from: string; to: string } {
  const dayIn = (at: string, labId: string) => formatDay(localDay(new Date(at), timeZoneOf(labId)));
  const days = [
    dayIn(history.equipment.createdAt, history.equipment.labId),
    ...history.events.map((event) => dayIn(event.at, event.labId)),
    ...history.records.flatMap((record) => [record.periodStart, ...(record.completedAt ? [dayIn(record.completedAt, record.labId)] : [])]),
    ...history.calibrations.map((calibration) => calibration.performedOn),
    ...history.nonconformities.map((nonconformity) => dayIn(nonconformity.openedAt, nonconformity.labId)),
    ...history.returnsToService.map((returned) => dayIn(returned.returnedAt, returned.labId)),
  ].sort();
  return { from: days[0]!, to: days.at(-1)! };
}
