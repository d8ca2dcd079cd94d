import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from './calibration-rules.js';
import { calibrationsUsing, calibrationWindow, faultWindow, recordsInWindow } from './impact.js';

const origin = '2025-01-01';
const dayOffset = fc.integer({ min: 0, max: 730 });
const standardsPool = ['STD-1', 'STD-2', 'STD-3'];

/** A calibration history of a standard (approved passing events) and of instruments naming random standards. */
const history = fc.record({
  standardPasses: fc.uniqueArray(dayOffset, { maxLength: 6 }),
  findingDay: dayOffset,
  registeredDay: fc.integer({ min: 0, max: 100 }),
  uses: fc.array(
    fc.record({
      day: dayOffset,
      lab: fc.constantFrom('LAB01', 'LAB02', 'LAB03'),
      standards: fc.subarray(standardsPool),
      status: fc.constantFrom('Approved', 'Awaiting approval', 'Rejected'),
      serialCase: fc.boolean(),
    }),
    { maxLength: 30 },
  ),
});

describe('impact assessment (SPEC §10)', () => {
  it('lists exactly the events performed inside the window whose standards include the machine, for random histories', () => {
    fc.assert(
      fc.property(history, ({ standardPasses, findingDay, registeredDay, uses }) => {
        const approved = standardPasses.map((offset, index) => ({
          calibrationNumber: `LAB01-CAL-${String(index + 1).padStart(6, '0')}`,
          performedOn: addDays(origin, offset),
        }));
        const finding = { calibrationNumber: 'LAB01-CAL-999999', performedOn: addDays(origin, findingDay) };
        const window = calibrationWindow(finding, approved, addDays(origin, -registeredDay));
        const events = uses.map((use, index) => ({
          calibrationNumber: `${use.lab}-CAL-${String(index + 1).padStart(6, '0')}`,
          labId: use.lab,
          serialNumber: `INS-${index}`,
          performedOn: addDays(origin, use.day),
          status: use.status,
          standards: use.standards.map((serialNumber) => ({ serialNumber: use.serialCase ? serialNumber.toLowerCase() : serialNumber })),
        }));
        const listed = calibrationsUsing('STD-1', events, window, finding.calibrationNumber).map((event) => event.calibrationNumber);

        // The window as an assessor would work it out: from the last passing calibration on or before the finding.
        const lastPass = standardPasses
          .filter((offset) => offset <= findingDay)
          .sort((a, b) => a - b)
          .at(-1);
        const from = lastPass === undefined ? -registeredDay : lastPass;
        const expected = uses
          .map((use, index) => ({ use, number: events[index]!.calibrationNumber }))
          .filter(({ use }) => use.status !== 'Rejected' && use.day >= from && use.day <= findingDay && use.standards.includes('STD-1'))
          .map(({ number }) => number);
        expect(listed).toEqual(expected);
        expect(window.to).toBe(finding.performedOn);
      }),
      { numRuns: 300 },
    );
  });

  it('starts a fault’s window at the last record completed without a fault, and leaves out the records that bound it', () => {
    const records = [
      { recordNumber: 'LAB01000001', completedAt: '2026-03-01T08:00:00Z', faulty: false },
      { recordNumber: 'LAB01000002', completedAt: '2026-03-02T08:00:00Z', faulty: true },
      { recordNumber: 'LAB01000003', completedAt: '2026-03-03T08:00:00Z', faulty: false },
      { recordNumber: 'LAB01000004', completedAt: '2026-03-05T08:00:00Z', faulty: true },
      { recordNumber: 'LAB01000005', completedAt: '2026-03-07T08:00:00Z', faulty: false },
    ];
    const window = faultWindow('2026-03-05T08:00:00Z', records, '2025-01-01T00:00:00Z', 'LAB01000004');
    expect(window).toMatchObject({ from: '2026-03-03', to: '2026-03-05', sinceReference: 'LAB01000003' });
    expect(recordsInWindow(records, window, ['LAB01000004']).map((record) => record.recordNumber)).toEqual([]);
    const never = faultWindow('2026-03-02T08:00:00Z', records.slice(1, 2), '2026-02-20T10:00:00Z', 'LAB01000002');
    expect(never).toMatchObject({ from: '2026-02-20', since: expect.stringContaining('registration') });
  });
});
