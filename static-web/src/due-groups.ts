import { localDay, nextPeriodStart, periodStartOf } from '../../shared/domain/periods.js';

/** Where a checklist still open stands on a technician's list, by the last day it may be done in its lab. */
export type DueGroup = 'today' | 'week' | 'month' | 'year' | 'later';

export const dueGroupTitles: Record<Exclude<DueGroup, 'today'>, string> = {
  week: 'Later this week',
  month: 'Later this month',
  year: 'Later this year',
  later: 'Later',
};

/**
 * A checklist due at midnight is due by the end of the day before: its last day is the lab-local
 * day of the instant just before its due end. Weeks run Monday to Sunday, as the generator's do.
 */
export function dueGroup(dueEnd: string, timeZone: string, now: Date): DueGroup {
  const lastDay = localDay(new Date(Date.parse(dueEnd) - 1), timeZone);
  const today = localDay(now, timeZone);
  if (lastDay <= today) return 'today';
  if (lastDay < nextPeriodStart('Weekly', periodStartOf('Weekly', today))) return 'week';
  if (lastDay < nextPeriodStart('Monthly', periodStartOf('Monthly', today))) return 'month';
  if (lastDay < nextPeriodStart('Annual', periodStartOf('Annual', today))) return 'year';
  return 'later';
}
