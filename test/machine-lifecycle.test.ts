import { describe, expect, it } from 'vitest';
import {
  calibrationDecided,
  calibrationRecorded,
  changeStatus,
  closeNonconformity,
  fitForUseOnRecord,
  fitnessOf,
  holdingNonconformities,
  moveToRepair,
  overdueNoted,
  owesChecklists,
  quarantine,
  recalibrationRequested,
  returnToService,
} from '../shared/domain/machine-lifecycle.js';
import { allowed, calibratedMachine, manager as by, returnRecord } from './helpers/lifecycle.js';

const today = '2026-12-06';
const machine = calibratedMachine('DWX-01-006', 'LAB01', 'LAB01-CAL-000001');
const record = (nonconformities: string[]) => returnRecord(machine, nonconformities, '2026-12-06T10:00:00Z');

describe('the machine lifecycle', () => {
  it('a nonconformity quarantines the machine out of service, not fit because of it, owing no checklist', () => {
    const held = quarantine(machine, 'LAB01-NC-000002', '2026-12-06T09:00:00Z', by);
    expect(held.status).toBe('Out of Service');
    expect(held.inServiceSince).toBeNull();
    expect(held.history.at(-1)).toMatchObject({ fromStatus: 'In Service', toStatus: 'Out of Service', reason: 'quarantined by nonconformity LAB01-NC-000002' });
    expect(fitnessOf(held, today)).toMatchObject({ state: 'not fit', reasons: ['out of service', 'open nonconformity'] });
    expect(owesChecklists(held)).toBe(false);
  });

  it('after its nonconformity closes, the machine is awaiting return to service, not held by an open nonconformity', () => {
    const closed = closeNonconformity(quarantine(machine, 'LAB01-NC-000001', '2026-12-06T09:00:00Z', by), 'LAB01-NC-000001');
    expect(holdingNonconformities(closed)).toEqual([]);
    expect(fitnessOf(closed, today).reasons).toEqual(['out of service', 'awaiting return to service']);
  });

  it('a return to service names exactly what it ends: another nonconformity opened meanwhile refuses it', () => {
    const first = quarantine(machine, 'LAB01-NC-000001', '2026-12-06T09:00:00Z', by);
    const both = quarantine(first, 'LAB01-NC-000002', '2026-12-06T09:30:00Z', by);
    const refused = returnToService(both, ['LAB01-NC-000001'], record(['LAB01-NC-000001']), by);
    expect(refused).toEqual({ refused: expect.stringContaining('LAB01-NC-000002, which your verification does not name') });
    expect(returnToService(first, ['LAB01-NC-000001', 'LAB01-NC-000009'], record(['LAB01-NC-000009']), by)).toEqual({
      refused: expect.stringContaining('does not hold'),
    });
    const back = allowed(returnToService(both, ['LAB01-NC-000002', 'LAB01-NC-000001'], record(['LAB01-NC-000001', 'LAB01-NC-000002']), by));
    expect(back).toMatchObject({ status: 'In Service', quarantine: null, inServiceSince: '2026-12-06T10:00:00Z' });
    // Back in service while both stay open for their impact review: fit.
    expect(fitnessOf(back, today)).toMatchObject({ state: 'fit', reasons: [] });
    expect(returnToService(back, ['LAB01-NC-000001'], record(['LAB01-NC-000001']), by)).toEqual({ refused: expect.stringContaining('is not quarantined') });
  });

  it('a quarantined machine changes status only by a return to service, a repair status or retirement', () => {
    const held = quarantine(machine, 'LAB01-NC-000001', '2026-12-06T09:00:00Z', by);
    expect(changeStatus(held, 'In Service', '2026-12-06T10:00:00Z', by)).toEqual({
      refused: expect.stringContaining('is quarantined by nonconformity LAB01-NC-000001'),
    });
    expect(allowed(changeStatus(held, 'Retired offsite', '2026-12-06T10:00:00Z', by)).status).toBe('Retired offsite');
    expect(allowed(moveToRepair(held, 'Repair offsite', 'LAB01-NC-000001', '2026-12-06T10:00:00Z', by)).status).toBe('Repair offsite');
    expect(moveToRepair(machine, 'Repair offsite', 'LAB01-NC-000001', '2026-12-06T10:00:00Z', by)).toEqual({
      refused: expect.stringContaining('returned to service already'),
    });
  });

  it('recalibration requested holds until an approved pass performed on or after the request', () => {
    const asked = recalibrationRequested(machine, { ncNumber: 'LAB02-NC-000001', itemId: 'cal-1', on: '2026-12-06' });
    expect(fitnessOf(asked, today).reasons).toEqual(['recalibration requested']);
    const entered = calibrationRecorded(asked, { calibrationNumber: 'LAB01-CAL-000002', performedOn: '2026-12-06', finding: null });
    const decided = { calibrationNumber: 'LAB01-CAL-000002', labId: 'LAB01', performedOn: '2026-12-06', approved: true, passing: true, nextDue: '2027-12-06' };
    const approved = allowed(calibrationDecided(entered, decided));
    expect(fitnessOf(approved, today)).toMatchObject({ state: 'fit', calibrationDue: '2027-12-06' });
    expect(calibrationDecided(approved, decided)).toEqual({ refused: 'Calibration LAB01-CAL-000002 was decided by someone else meanwhile.' });
  });

  it('a rejected failing calibration takes back its finding', () => {
    const failed = calibrationRecorded(machine, { calibrationNumber: 'LAB01-CAL-000002', performedOn: '2026-12-01', finding: 'failed calibration' });
    expect(fitnessOf(failed, today).reasons).toEqual(['failed calibration', 'awaiting approval']);
    const rejected = allowed(
      calibrationDecided(failed, {
        calibrationNumber: 'LAB01-CAL-000002',
        labId: 'LAB01',
        performedOn: '2026-12-01',
        approved: false,
        passing: false,
        nextDue: null,
      }),
    );
    expect(fitnessOf(rejected, today).state).toBe('fit');
  });

  it('URS-172 a lapsed calibration makes the machine not fit on record once the hourly check notes it; a quarantine at once', () => {
    const lapsedOn = '2027-07-01';
    expect(fitnessOf(machine, lapsedOn).state).toBe('not fit');
    expect(fitForUseOnRecord(machine, lapsedOn)).toBe(true);
    expect(fitForUseOnRecord(overdueNoted(machine, lapsedOn)!, lapsedOn)).toBe(false);
    expect(fitForUseOnRecord(quarantine(machine, 'LAB01-NC-000003', '2026-12-06T09:00:00Z', by), today)).toBe(false);
    expect(fitForUseOnRecord(machine, '2027-05-20')).toBe(true);
  });
});
