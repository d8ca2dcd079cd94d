import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, fitnessOn, judgeEvent, judgePoint, nextDueDate, type AcceptancePoint } from './calibration-rules.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const nonNegative = fc.double({ min: 0, max: 1e3, noNaN: true, noDefaultInfinity: true });
const limits = fc.tuple(finite, finite).map(([a, b]) => (a <= b ? { lowerLimit: a, upperLimit: b } : { lowerLimit: b, upperLimit: a }));
const day = fc
  .date({ min: new Date('1999-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

describe('judging a point', () => {
  it('simple: passes exactly when the value lies within the limits, limits included', () => {
    fc.assert(
      fc.property(limits, finite, (range, value) => {
        const point = { pointId: 'p', ...range };
        expect(judgePoint(point, { pointId: 'p', value }, 'simple').pass).toBe(value >= range.lowerLimit && value <= range.upperLimit);
        expect(judgePoint(point, { pointId: 'p', value: range.lowerLimit }, 'simple').pass).toBe(true);
        expect(judgePoint(point, { pointId: 'p', value: range.upperLimit }, 'simple').pass).toBe(true);
      }),
    );
  });

  it('guard band: passes exactly when value ± uncertainty lies within the limits, and never where simple fails', () => {
    fc.assert(
      fc.property(limits, finite, nonNegative, (range, value, uncertainty) => {
        const point = { pointId: 'p', ...range };
        const guarded = judgePoint(point, { pointId: 'p', value, uncertainty }, 'guard-band').pass;
        expect(guarded).toBe(value - uncertainty >= range.lowerLimit && value + uncertainty <= range.upperLimit);
        if (guarded) expect(judgePoint(point, { pointId: 'p', value, uncertainty }, 'simple').pass).toBe(true);
      }),
    );
  });

  it('fails any value whose uncertainty is above the point’s maximum, under either rule', () => {
    fc.assert(
      fc.property(
        nonNegative,
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.constantFrom('simple' as const, 'guard-band' as const),
        (maximum, excess, rule) => {
          const point: AcceptancePoint = { pointId: 'p', lowerLimit: -1e9, upperLimit: 1e9, maxUncertainty: maximum };
          const verdict = judgePoint(point, { pointId: 'p', value: 0, uncertainty: maximum + excess }, rule);
          expect(verdict.pass).toBe(false);
          expect(verdict.why).toMatch(/above the maximum/);
          expect(judgePoint(point, { pointId: 'p', value: 0, uncertainty: maximum }, rule).pass).toBe(true);
        },
      ),
    );
  });
});

describe('judging an event', () => {
  const points: AcceptancePoint[] = [
    { pointId: 'a', lowerLimit: 99, upperLimit: 101 },
    { pointId: 'b', lowerLimit: 199, upperLimit: 201 },
  ];
  const at = (a: number, b: number) => [
    { pointId: 'a', value: a },
    { pointId: 'b', value: b },
  ];

  it('passes on as-found, passes after adjustment on as-left, and marks a failed as-found out of tolerance whatever as-left says', () => {
    expect(judgeEvent(points, { initial: false, adjusted: false, asFound: at(100, 200), asLeft: [] }, 'simple')).toMatchObject({
      result: 'Pass',
      outOfTolerance: false,
    });
    expect(judgeEvent(points, { initial: false, adjusted: false, asFound: at(100, 205), asLeft: [] }, 'simple')).toMatchObject({
      result: 'Fail',
      outOfTolerance: true,
    });
    expect(judgeEvent(points, { initial: false, adjusted: true, asFound: at(100, 205), asLeft: at(100, 200) }, 'simple')).toMatchObject({
      result: 'Pass after adjustment',
      outOfTolerance: true,
    });
    expect(judgeEvent(points, { initial: false, adjusted: true, asFound: at(100, 200), asLeft: at(100, 200.5) }, 'simple')).toMatchObject({
      result: 'Pass after adjustment',
      outOfTolerance: false,
    });
    expect(judgeEvent(points, { initial: false, adjusted: true, asFound: at(100, 205), asLeft: at(100, 203) }, 'simple')).toMatchObject({
      result: 'Fail',
      outOfTolerance: true,
    });
  });

  it('judges an initial calibration on what it left, never out of tolerance', () => {
    expect(judgeEvent(points, { initial: true, adjusted: false, asFound: [], asLeft: at(100, 200) }, 'simple')).toMatchObject({
      result: 'Pass',
      outOfTolerance: false,
    });
    expect(judgeEvent(points, { initial: true, adjusted: false, asFound: [], asLeft: at(90, 200) }, 'simple')).toMatchObject({
      result: 'Fail',
      outOfTolerance: false,
    });
  });
});

describe('the next due date', () => {
  it('keeps the day of the month, or the month’s last day, across month ends and leap days', () => {
    expect(nextDueDate('2027-01-31', { months: 1 })).toBe('2027-02-28');
    expect(nextDueDate('2028-01-31', { months: 1 })).toBe('2028-02-29');
    expect(nextDueDate('2028-02-29', { months: 12 })).toBe('2029-02-28');
    expect(nextDueDate('2027-08-31', { months: 6 })).toBe('2028-02-29');
    expect(nextDueDate('2027-12-15', { months: 1 })).toBe('2028-01-15');
    expect(nextDueDate('2028-02-28', { days: 1 })).toBe('2028-02-29');
    expect(nextDueDate('2027-12-31', { days: 365 })).toBe('2028-12-30');
  });

  it('is later than the performed date, moves on with it, and lands on the same day of the month or the month’s last', () => {
    fc.assert(
      fc.property(day, day, fc.integer({ min: 1, max: 120 }), (first, second, months) => {
        const due = nextDueDate(first, { months });
        expect(due > first).toBe(true);
        const [earlier, later] = first <= second ? [first, second] : [second, first];
        expect(nextDueDate(earlier, { months }) <= nextDueDate(later, { months })).toBe(true);
        const dueDay = Number(due.slice(8));
        const performedDay = Number(first.slice(8));
        expect(dueDay === performedDay || (dueDay < performedDay && addDays(due, 1).slice(8) === '01')).toBe(true);
      }),
    );
  });

  it('in days is the calendar day that many days later', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 3650 }), (performedOn, days) => {
        const due = nextDueDate(performedOn, { days });
        expect((Date.parse(`${due}T00:00:00Z`) - Date.parse(`${performedOn}T00:00:00Z`)) / 86_400_000).toBe(days);
      }),
    );
  });
});

describe('fitness for use', () => {
  const plan = { nextDue: '2027-03-31', warningDays: 14, graceDays: 7, finding: null, awaitingApproval: 0 };

  it('is fit, due soon from the warning, due soon within the grace and not fit after it', () => {
    expect(fitnessOn('2027-03-16', { status: 'In Service', calibration: plan })).toEqual({ state: 'fit', reasons: [], calibrationDue: '2027-03-31' });
    expect(fitnessOn('2027-03-17', { status: 'In Service', calibration: plan })).toMatchObject({ state: 'due soon', reasons: ['calibration due soon'] });
    expect(fitnessOn('2027-04-07', { status: 'In Service', calibration: plan })).toMatchObject({
      state: 'due soon',
      reasons: ['calibration overdue, within its grace period'],
    });
    expect(fitnessOn('2027-04-08', { status: 'In Service', calibration: plan })).toMatchObject({ state: 'not fit', reasons: ['calibration overdue'] });
  });

  it('names every reason a machine is not fit', () => {
    expect(
      fitnessOn('2027-01-01', { status: 'Repair onsite', calibration: { ...plan, finding: 'out of tolerance', awaitingApproval: 1 }, openNonconformities: 1 }),
    ).toEqual({
      state: 'not fit',
      reasons: ['out of service', 'open nonconformity', 'out of tolerance', 'awaiting approval'],
      calibrationDue: '2027-03-31',
    });
    expect(fitnessOn('2027-01-01', { status: 'In Service', calibration: { ...plan, nextDue: null } }).reasons).toEqual(['not yet calibrated']);
    expect(fitnessOn('2027-01-01', { status: 'In Service', calibration: { ...plan, nextDue: null, awaitingApproval: 1 } }).reasons).toEqual([
      'awaiting approval',
    ]);
    expect(fitnessOn('2027-01-01', { status: 'In Service', calibration: null })).toEqual({ state: 'fit', reasons: [], calibrationDue: null });
  });

  it('is never fit past the due date plus grace, whatever else holds', () => {
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (due, after, graceDays, warningDays) => {
          const today = addDays(due, graceDays + after);
          expect(
            fitnessOn(today, { status: 'In Service', calibration: { nextDue: due, graceDays, warningDays, finding: null, awaitingApproval: 0 } }).state,
          ).toBe('not fit');
        },
      ),
    );
  });
});
