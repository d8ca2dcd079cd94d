import type { EquipmentDocument } from '../data/equipment-repository.js';
import { trackProductEvent } from '../platform/telemetry.js';

/** A nonconformity open longer than this is chased: the alert in infra/monitoring/alerts fires on it. */
export const nonconformityAgeLimitDays = 14;

/** The lab-local hour at which the day's notice goes out, so each lab hears once a day however often the run comes. */
const noticeHour = 8;

function localHour(now: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(now));
}

/**
 * Made by each lab's hourly generator run with the machines it read already (no request of its own):
 * in the run of the lab's 08:00 hour, a `NonconformityOverdue` event for every nonconformity open more
 * than 14 days. Returns the nonconformities noticed.
 */
export function noticeAgingNonconformities(labId: string, machines: readonly EquipmentDocument[], now: Date, timeZone: string): string[] {
  if (localHour(now, timeZone) !== noticeHour) return [];
  const noticed: string[] = [];
  for (const machine of machines) {
    if (machine.presence === 'departed') continue;
    for (const open of machine.openNonconformities ?? []) {
      const daysOpen = Math.floor((now.getTime() - Date.parse(open.openedAt)) / 86_400_000);
      if (daysOpen <= nonconformityAgeLimitDays) continue;
      trackProductEvent('NonconformityOverdue', { labId, ncNumber: open.ncNumber, serialNumber: machine.serialNumber }, { daysOpen });
      noticed.push(open.ncNumber);
    }
  }
  return noticed;
}
