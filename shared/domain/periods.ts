import type { Frequency } from '../schemas/catalog.js';

/**
 * PM periods in a lab's own calendar. A lab-local date is a day number (days since 1970-01-01 on the
 * proleptic Gregorian calendar), so period arithmetic never meets daylight-saving time; only turning
 * a local date into an instant asks the time zone.
 */
export type LocalDay = number;

const msPerDay = 86_400_000;

export function dayOf(year: number, month: number, day: number): LocalDay {
  return Math.floor(Date.UTC(year, month - 1, day) / msPerDay);
}

export function partsOf(day: LocalDay): { year: number; month: number; day: number } {
  const date = new Date(day * msPerDay);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** `YYYY-MM-DD`, as records show periodStart. */
export function formatDay(day: LocalDay): string {
  return new Date(day * msPerDay).toISOString().slice(0, 10);
}

export function parseDay(text: string): LocalDay {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) throw new Error(`Not a date: ${text}`);
  return dayOf(Number(match[1]), Number(match[2]), Number(match[3]));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock reading in a time zone at an instant, as if it were UTC (ms). */
function wallClock(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** The lab-local date at an instant. */
export function localDay(instant: Date, timeZone: string): LocalDay {
  const key = `${timeZone} ${instant.getTime()}`;
  let day = localDays.get(key);
  if (day === undefined) {
    if (localDays.size >= maximumRemembered) localDays.clear();
    localDays.set(key, (day = Math.floor(wallClock(instant.getTime(), timeZone) / msPerDay)));
  }
  return day;
}

/** A generator run asks for the local date of the same instants (when machines and models began) many times over. */
const localDays = new Map<string, LocalDay>();
const maximumRemembered = 100_000;

/**
 * The first instant of a lab-local date. Where a clock change skips midnight (some zones change at
 * 00:00), the day starts at the first instant that reads as that date.
 */
export function startOfDay(day: LocalDay, timeZone: string): Date {
  const key = `${timeZone} ${day}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    if (dayStarts.size >= maximumRemembered) dayStarts.clear();
    dayStarts.set(key, (start = firstInstantOf(day, timeZone)));
  }
  return new Date(start);
}

/**
 * Each answer costs up to a dozen time-zone conversions, and a year-long generator run asks for the
 * same few hundred days thousands of times: remembered, the run's planning no longer holds the event
 * loop for tens of milliseconds at a time.
 */
const dayStarts = new Map<string, number>();

function firstInstantOf(day: LocalDay, timeZone: string): number {
  const target = day * msPerDay;
  let guess = target;
  for (let i = 0; i < 3; i++) guess = target - (wallClock(guess, timeZone) - guess);
  // Step forward through a gap, or back to the earliest instant reading as this date after an overlap.
  while (Math.floor(wallClock(guess, timeZone) / msPerDay) < day) guess += 15 * 60_000;
  while (Math.floor(wallClock(guess - 15 * 60_000, timeZone) / msPerDay) === day && wallClock(guess - 15 * 60_000, timeZone) >= target) guess -= 15 * 60_000;
  return guess;
}

/** ISO weekday, Monday 1 … Sunday 7. */
export function isoWeekday(day: LocalDay): number {
  // 1970-01-01 was a Thursday.
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The first day of the period of a frequency that contains a date. */
export function periodStartOf(frequency: Frequency, day: LocalDay): LocalDay {
  const { year, month } = partsOf(day);
  switch (frequency) {
    case 'Daily':
      return day;
    case 'Weekly':
      return day - (isoWeekday(day) - 1);
    case 'Monthly':
      return dayOf(year, month, 1);
    case 'Quarterly':
      return dayOf(year, month - ((month - 1) % 3), 1);
    case 'Annual':
      return dayOf(year, 1, 1);
  }
}

/** The first day after the period that starts on `start`. */
export function nextPeriodStart(frequency: Frequency, start: LocalDay): LocalDay {
  const { year, month } = partsOf(start);
  switch (frequency) {
    case 'Daily':
      return start + 1;
    case 'Weekly':
      return start + 7;
    case 'Monthly':
      return dayOf(year, month + 1, 1);
    case 'Quarterly':
      return dayOf(year, month + 3, 1);
    case 'Annual':
      return dayOf(year + 1, 1, 1);
  }
}

/** Days a record of each frequency may be done in, from the period's first day (the rest of the period by default). */
export type DueWindows = Partial<Record<Frequency, number>>;

export interface Period {
  frequency: Frequency;
  start: LocalDay;
  /** `YYYY-MM-DD` in the lab's calendar. */
  periodStart: string;
  /** When the record stops being due: the end of the due window, or of the period. */
  dueEnd: Date;
}

export function periodAt(frequency: Frequency, start: LocalDay, timeZone: string, windows: DueWindows = {}): Period {
  const end = nextPeriodStart(frequency, start);
  const window = windows[frequency];
  const dueDay = window === undefined ? end : Math.min(end, start + window);
  return { frequency, start, periodStart: formatDay(start), dueEnd: startOfDay(dueDay, timeZone) };
}

/** Every period of a frequency from the one containing `from` to the one containing `to`, oldest first. */
export function periodsBetween(frequency: Frequency, from: LocalDay, to: LocalDay, timeZone: string, windows: DueWindows = {}): Period[] {
  const periods: Period[] = [];
  for (let start = periodStartOf(frequency, from); start <= to; start = nextPeriodStart(frequency, start)) {
    periods.push(periodAt(frequency, start, timeZone, windows));
  }
  return periods;
}
