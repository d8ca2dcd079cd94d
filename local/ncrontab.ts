/**
 * NCRONTAB as the Functions host reads it: six fields, seconds first
 * ("{second} {minute} {hour} {day} {month} {day-of-week}"), evaluated in UTC.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
}

const fieldSpecs: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
];

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface Schedule {
  seconds: ReadonlySet<number>;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Cron's rule: when both day fields are restricted, either may match. */
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

function parseValue(text: string, spec: FieldSpec): number {
  const lowered = text.toLowerCase();
  const named = spec.name === 'month' ? monthNames.indexOf(lowered) + 1 : spec.name === 'day-of-week' ? dayNames.indexOf(lowered) : -1;
  const value = named > 0 || (spec.name === 'day-of-week' && named === 0) ? named : /^\d+$/.test(text) ? Number(text) : NaN;
  // Day-of-week 7 is another name for Sunday.
  const normalised = spec.name === 'day-of-week' && value === 7 ? 0 : value;
  if (!Number.isInteger(normalised) || normalised < spec.min || normalised > spec.max) {
    throw new Error(`"${text}" is not a valid ${spec.name} (${spec.min}-${spec.max})`);
  }
  return normalised;
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`"${part}" has an invalid step in the ${spec.name} field`);
    let start: number;
    let end: number;
    if (range === '*') {
      start = spec.min;
      end = spec.max;
    } else if (range!.includes('-')) {
      const [from, to] = range!.split('-');
      start = parseValue(from!, spec);
      end = parseValue(to!, spec);
    } else {
      start = parseValue(range!, spec);
      end = stepText === undefined ? start : spec.max;
    }
    if (start > end) throw new Error(`"${part}" is an empty range in the ${spec.name} field`);
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return values;
}

export function parseSchedule(expression: string): Schedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`"${expression}" must have six fields: second minute hour day month day-of-week`);
  }
  const [seconds, minutes, hours, days, months, weekdays] = fields.map((field, index) => parseField(field, fieldSpecs[index]!));
  return {
    seconds: seconds!,
    minutes: minutes!,
    hours: hours!,
    days: days!,
    months: months!,
    weekdays: weekdays!,
    dayRestricted: fields[3] !== '*',
    weekdayRestricted: fields[5] !== '*',
  };
}

function dayMatches(schedule: Schedule, date: Date): boolean {
  const byDay = schedule.days.has(date.getUTCDate());
  const byWeekday = schedule.weekdays.has(date.getUTCDay());
  if (schedule.dayRestricted && schedule.weekdayRestricted) return byDay || byWeekday;
  return byDay && byWeekday;
}

/** The first time strictly after `after` that the schedule fires; null if none within five years. */
export function nextOccurrence(schedule: Schedule, after: Date): Date | null {
  const candidate = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (candidate.getTime() <= limit) {
    if (!schedule.months.has(candidate.getUTCMonth() + 1)) {
      candidate.setUTCMonth(candidate.getUTCMonth() + 1, 1);
      candidate.setUTCHours(0, 0, 0);
    } else if (!dayMatches(schedule, candidate)) {
      candidate.setUTCDate(candidate.getUTCDate() + 1);
      candidate.setUTCHours(0, 0, 0);
    } else if (!schedule.hours.has(candidate.getUTCHours())) {
      candidate.setUTCHours(candidate.getUTCHours() + 1, 0, 0);
    } else if (!schedule.minutes.has(candidate.getUTCMinutes())) {
      candidate.setUTCMinutes(candidate.getUTCMinutes() + 1, 0);
    } else if (!schedule.seconds.has(candidate.getUTCSeconds())) {
      candidate.setUTCSeconds(candidate.getUTCSeconds() + 1);
    } else {
      return candidate;
    }
  }
  return null;
}
