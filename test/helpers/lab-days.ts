import { demoLabs } from '../../local/demo-seed.js';
import { formatDay, localDay } from '../../shared/domain/periods.js';

/**
 * The date `days` before today as a demo lab reads its calendar. The product judges dates (a
 * calibration performed "in the future", days left until one is due) by the lab's own today, which
 * for a lab in America is yesterday's UTC date for hours each evening.
 */
export function labDaysAgo(labId: string, days: number, now = new Date()): string {
  const lab = demoLabs.find((candidate) => candidate.labId === labId);
  if (!lab) throw new Error(`${labId} is not a demo lab`);
  return formatDay(localDay(now, lab.timeZone) - days);
}
