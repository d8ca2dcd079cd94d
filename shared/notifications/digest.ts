import { allEquipmentOf } from '../data/equipment-repository.js';
import { readLab } from '../data/labs-repository.js';
import { nonconformitiesOfLab } from '../data/nonconformity-repository.js';
import { listDashboard, type DashboardRow } from '../data/records-repository.js';
import { addDays, daysBetween } from '../domain/calibration-rules.js';
import { formatDay, localDay, parseDay, startOfDay } from '../domain/periods.js';
import { fitnessOf, intermediateChecksDueBy } from '../domain/machine-lifecycle.js';
import { settings } from '../platform/config.js';
import { reviewsDue } from '../reviews/periodic-reviews.js';
import type { ReviewDue } from '../schemas/reviews.js';

export type DigestRecord = Pick<DashboardRow, 'recordNumber' | 'serialNumber' | 'modelId' | 'frequency' | 'dueEnd'>;

/** A lab's morning (SPEC §11): what is due today, what is late, what was missed yesterday, calibrations coming due, open nonconformities. */
export interface LabDigest {
  labId: string;
  labName: string;
  /** The lab-local date the digest is for. */
  date: string;
  dueToday: DigestRecord[];
  /** Missed before yesterday and still within the late-completion window. */
  overdue: DigestRecord[];
  /** Due yesterday and not completed. */
  missedYesterday: DigestRecord[];
  /** Calibrations due within 14 days, or past due. */
  calibrations: { serialNumber: string; modelId: string; due: string; daysLeft: number }[];
  /** Intermediate checks (§6.4.10) due within 14 days, or past due. */
  intermediateChecks: { serialNumber: string; modelId: string; due: string; daysLeft: number }[];
  nonconformities: { ncNumber: string; serialNumber: string; description: string; openedOn: string; daysOpen: number }[];
  /** The lab's periodic reviews (SPEC §16) due now: the audit-trail review, the user access review. */
  reviewsDue: ReviewDue[];
}

export const calibrationHorizonDays = 14;

/** The lab-local date and hour of an instant; null for a time zone that no longer exists (the generator reports such a lab). */
export function labClock(now: Date, timeZone: string): { date: string; hour: number } | null {
  try {
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(now));
    return { date: formatDay(localDay(now, timeZone)), hour };
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

async function openAndMissedRows(labId: string, since: string): Promise<DashboardRow[]> {
  const rows: DashboardRow[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await listDashboard(labId, since, 1000, continuationToken);
    rows.push(...page.items);
    continuationToken = page.continuationToken ?? undefined;
  } while (continuationToken);
  return rows;
}

const slim = (row: DashboardRow): DigestRecord => ({
  recordNumber: row.recordNumber,
  serialNumber: row.serialNumber,
  modelId: row.modelId,
  frequency: row.frequency,
  dueEnd: row.dueEnd,
});

/** Reads what the lab's digest says on its lab-local `date`: three partition-scoped reads. */
export async function labDigest(labId: string, now: Date): Promise<LabDigest | null> {
  const lab = (await readLab(labId))?.document;
  if (!lab) return null;
  const { timeZone } = lab;
  const today = formatDay(localDay(now, timeZone));
  const dayStart = (date: string) => startOfDay(parseDay(date), timeZone).toISOString();
  const yesterdayStart = dayStart(addDays(today, -1));
  const todayStart = dayStart(today);
  const tomorrowStart = dayStart(addDays(today, 1));
  const since = dayStart(addDays(today, -1 - settings().LATE_COMPLETION_DAYS));
  const [rows, machines, nonconformities, reviews] = await Promise.all([
    openAndMissedRows(labId, since),
    allEquipmentOf(labId),
    nonconformitiesOfLab(labId),
    reviewsDue(labId, now),
  ]);

  // A record's dueEnd is the moment it becomes Missed: the start of the day after its due day.
  const dueToday = rows.filter((row) => row.status === 'Open' && row.dueEnd > todayStart && row.dueEnd <= tomorrowStart);
  const missedYesterday = rows.filter((row) => row.dueEnd > yesterdayStart && row.dueEnd <= todayStart);
  const overdue = rows.filter((row) => row.status === 'Missed' && row.dueEnd <= yesterdayStart);
  const horizon = addDays(today, calibrationHorizonDays);
  const calibrations = machines
    .filter((machine) => machine.presence === 'present' && machine.status === 'In Service')
    .map((machine) => ({ machine, due: fitnessOf(machine, today).calibrationDue }))
    .filter((entry): entry is { machine: (typeof machines)[number]; due: string } => entry.due !== null && entry.due <= horizon)
    .map(({ machine, due }) => ({ serialNumber: machine.serialNumber, modelId: machine.modelId, due, daysLeft: daysBetween(today, due) }))
    .sort((a, b) => a.due.localeCompare(b.due) || a.serialNumber.localeCompare(b.serialNumber));
  const intermediateChecks = intermediateChecksDueBy(machines, horizon).map(({ machine, due }) => ({
    serialNumber: machine.serialNumber,
    modelId: machine.modelId,
    due,
    daysLeft: daysBetween(today, due),
  }));
  const open = nonconformities
    .filter((nc) => nc.status === 'Open')
    .map((nc) => {
      const openedOn = formatDay(localDay(new Date(nc.openedAt), timeZone));
      return { ncNumber: nc.ncNumber, serialNumber: nc.serialNumber, description: nc.description, openedOn, daysOpen: daysBetween(openedOn, today) };
    })
    .sort((a, b) => a.ncNumber.localeCompare(b.ncNumber));
  return {
    labId,
    labName: lab.name,
    date: today,
    dueToday: dueToday.map(slim),
    overdue: overdue.map(slim),
    missedYesterday: missedYesterday.map(slim),
    calibrations,
    intermediateChecks,
    nonconformities: open,
    reviewsDue: reviews.filter((review) => review.due),
  };
}

/**
 * Nothing to do today at the lab. A review that is due does not make a digest worth sending on its
 * own: it stays due for weeks, and its reviewer's landing page says so every day.
 */
export function isQuietDigest(digest: LabDigest): boolean {
  return (
    digest.dueToday.length +
      digest.overdue.length +
      digest.missedYesterday.length +
      digest.calibrations.length +
      digest.intermediateChecks.length +
      digest.nonconformities.length ===
    0
  );
}
