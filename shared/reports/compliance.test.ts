import { describe, expect, it } from 'vitest';
import type { ReportedRecord } from '../data/records-repository.js';
import { missedAndOverdue, summarize, completionTrend } from './compliance.js';

const justification = { reason: 'Power cut', by: { username: 'manager1', displayName: 'Maria Manager' }, at: '2026-11-02T09:00:00Z' };

/** A Berlin lab's Daily and Monthly records around the end of summer time (25 October) and the end of October. */
function record(
  n: number,
  periodStart: string,
  frequency: ReportedRecord['frequency'],
  status: ReportedRecord['status'],
  extra: Partial<ReportedRecord> = {},
): ReportedRecord {
  return {
    recordNumber: `BER01${String(n).padStart(6, '0')}`,
    serialNumber: 'F3B-1',
    modelId: 'Form 3B',
    frequency,
    periodStart,
    dueEnd: `${periodStart}T22:00:00.000Z`,
    status,
    late: false,
    justification: null,
    ...extra,
  };
}

const records: ReportedRecord[] = [
  record(1, '2026-10-24', 'Daily', 'Completed'),
  // The 25-hour day of the clock change, done the next morning: late.
  record(2, '2026-10-25', 'Daily', 'Completed', { late: true, dueEnd: '2026-10-25T23:00:00.000Z' }),
  record(3, '2026-10-26', 'Daily', 'Missed', { justification }),
  record(4, '2026-10-31', 'Daily', 'Missed'),
  record(5, '2026-11-01', 'Daily', 'Cancelled'),
  record(6, '2026-11-02', 'Daily', 'Open', { dueEnd: '2026-11-02T23:00:00.000Z' }),
  record(7, '2026-10-01', 'Monthly', 'Completed'),
  record(8, '2026-11-01', 'Monthly', 'Open', { dueEnd: '2026-11-30T23:00:00.000Z' }),
];

describe('compliance figures', () => {
  it('count on time, late, missed, justified, cancelled and open per frequency, with the rate over what was due', () => {
    expect(summarize('BER01', records)).toEqual([
      // Due: 2 completed + 2 missed; rate 2 / 4.
      {
        labId: 'BER01',
        frequency: 'Daily',
        total: 6,
        completedOnTime: 1,
        completedLate: 1,
        awaitingVerification: 0,
        missed: 2,
        missedJustified: 1,
        cancelled: 1,
        open: 1,
        completionRate: 0.5,
      },
      {
        labId: 'BER01',
        frequency: 'Monthly',
        total: 2,
        completedOnTime: 1,
        completedLate: 0,
        awaitingVerification: 0,
        missed: 0,
        missedJustified: 0,
        cancelled: 0,
        open: 1,
        completionRate: 1,
      },
    ]);
  });

  it('counts a record that needs a second signature as done only once it is verified', () => {
    const verification = {
      username: 'manager1',
      displayName: 'Maria Manager',
      meaning: 'Verified by',
      signedAt: '2026-11-02T10:00:00Z',
      method: 'password' as const,
      contentHash: 'h',
    };
    const weekly = [
      record(10, '2026-10-26', 'Weekly', 'Completed', { needsVerification: true, verification: null }),
      record(11, '2026-11-02', 'Weekly', 'Completed', { needsVerification: true, verification }),
      record(12, '2026-11-09', 'Weekly', 'Completed'),
    ];
    expect(summarize('BER01', weekly)[0]).toMatchObject({ completedOnTime: 2, awaitingVerification: 1, completionRate: 0.6667 });
    expect(completionTrend('BER01', weekly).map((point) => point.completionRate)).toEqual([0, 1, 1]);
  });

  it('leaves the rate empty while nothing was due', () => {
    expect(summarize('BER01', [record(9, '2026-11-02', 'Weekly', 'Open')])[0]?.completionRate).toBeNull();
  });

  it('lists missed and overdue records, oldest due first, with their justification', () => {
    const rows = missedAndOverdue('BER01', records, new Date('2026-11-03T08:00:00Z'));
    expect(rows.map((row) => [row.recordNumber, row.status, row.justification])).toEqual([
      ['BER01000003', 'Missed', 'Power cut'],
      ['BER01000004', 'Missed', null],
      ['BER01000006', 'Overdue', null],
    ]);
  });

  it('gives the completion rate per ISO week of daily checklists and per month of monthly ones, across the clock change and the month end', () => {
    expect(
      completionTrend('BER01', records).map(({ frequency, per, start, completed, missed, completionRate }) => [
        frequency,
        per,
        start,
        completed,
        missed,
        completionRate,
      ]),
    ).toEqual([
      ['Daily', 'week', '2026-10-19', 2, 0, 1],
      ['Daily', 'week', '2026-10-26', 0, 2, 0],
      ['Daily', 'week', '2026-11-02', 0, 0, null],
      ['Monthly', 'month', '2026-10-01', 1, 0, 1],
      ['Monthly', 'month', '2026-11-01', 0, 0, null],
    ]);
  });
});
