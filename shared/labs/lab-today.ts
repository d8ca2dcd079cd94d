import { readLab } from '../data/labs-repository.js';
import { formatDay, localDay } from '../domain/periods.js';

/**
 * A lab's time zone changes rarely (an administrator edits it on the Labs page), while every
 * equipment answer needs the lab's today for its fitness: remembered for a minute per instance.
 */
const rememberedMs = 60_000;
const zones = new Map<string, { timeZone: string; until: number }>();

export async function labTimeZone(labId: string): Promise<string> {
  const known = zones.get(labId);
  if (known && known.until > Date.now()) return known.timeZone;
  const timeZone = (await readLab(labId))?.document.timeZone ?? 'UTC';
  zones.set(labId, { timeZone, until: Date.now() + rememberedMs });
  return timeZone;
}

/** The lab-local date now, `YYYY-MM-DD`: the day fitness and calibration due dates are judged on. */
export async function labToday(labId: string, now = new Date()): Promise<string> {
  return formatDay(localDay(now, await labTimeZone(labId)));
}

/**
 * The latest of the labs' todays, for a report that ends "today" unless told otherwise: the UTC date
 * would leave out the day already begun in a lab east of Greenwich (all of a Sydney morning's work)
 * and end tomorrow for one in America each evening.
 */
export function latestLabToday(timeZones: readonly string[], now: Date): string {
  const days = timeZones.map((timeZone) => localDay(now, timeZone));
  return formatDay(days.length > 0 ? Math.max(...days) : localDay(now, 'UTC'));
}
