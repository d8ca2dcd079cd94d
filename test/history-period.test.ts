import { describe, expect, it } from 'vitest';
import type { EquipmentHistory } from '../shared/schemas/equipment-history.js';
import { historyPeriod } from '../static-web/src/history-period.js';

const zones: Record<string, string> = { LAB01: 'America/New_York', LAB02: 'America/Chicago' };

/** Only the dated parts of a history: the period reads nothing else. */
function history(parts: {
  createdAt: string;
  events?: { at: string; labId: string }[];
  records?: { periodStart: string; completedAt: string | null; labId: string }[];
  calibrations?: { performedOn: string }[];
  nonconformities?: { openedAt: string; labId: string }[];
  returnsToService?: { returnedAt: string; labId: string }[];
}): EquipmentHistory {
  return {
    equipment: { labId: 'LAB01', createdAt: parts.createdAt },
    events: parts.events ?? [],
    records: parts.records ?? [],
    calibrations: parts.calibrations ?? [],
    nonconformities: parts.nonconformities ?? [],
    returnsToService: parts.returnsToService ?? [],
  } as unknown as EquipmentHistory;
}

describe('the period a printed machine history states', () => {
  it('covers a calibration performed before the first record and the events after the last, not just the records', () => {
    const printed = history({
      createdAt: '2025-10-20T14:00:00Z',
      calibrations: [{ performedOn: '2025-11-01' }],
      records: [
        { periodStart: '2026-01-01', completedAt: '2026-01-01T15:00:00Z', labId: 'LAB01' },
        { periodStart: '2026-12-01', completedAt: null, labId: 'LAB01' },
      ],
      events: [
        { at: '2026-12-03T15:00:00Z', labId: 'LAB01' },
        { at: '2026-12-06T15:00:00Z', labId: 'LAB01' },
      ],
    });
    expect(historyPeriod(printed, (labId) => zones[labId]!)).toEqual({ from: '2025-10-20', to: '2026-12-06' });
  });

  it("reads each instant as a date in the lab it happened in, whatever the reader's zone", () => {
    // 02:00 UTC on 7 December is still the evening of the 6th in Boston and in Chicago.
    const printed = history({
      createdAt: '2026-12-01T03:00:00Z',
      nonconformities: [{ openedAt: '2026-12-07T02:00:00Z', labId: 'LAB02' }],
      returnsToService: [{ returnedAt: '2026-12-07T02:30:00Z', labId: 'LAB01' }],
    });
    expect(historyPeriod(printed, (labId) => zones[labId]!)).toEqual({ from: '2026-11-30', to: '2026-12-06' });
  });
});
