/**
 * The impact assessment of a nonconformity (SPEC §10, ISO/IEC 17025 §7.10): the exposure window and
 * which results inside it may have been affected. Pure: the callers read the calibrations and records.
 */

/** Calendar dates, both inclusive; `since` says what the window starts from, in words. */
export interface ExposureWindow {
  from: string;
  to: string;
  since: string;
  /** The result the window starts from: known good, so not itself an item. */
  sinceReference: string | null;
}

export interface PassingCalibration {
  calibrationNumber: string;
  performedOn: string;
}

/**
 * A calibration finding: from the machine's last approved passing calibration performed on or before
 * the failing one (not the failing one itself) to the day of the failing one; from the day it was
 * registered when it never passed.
 */
export function calibrationWindow(finding: PassingCalibration, approved: readonly PassingCalibration[], registeredOn: string): ExposureWindow {
  const last = approved
    .filter((calibration) => calibration.performedOn <= finding.performedOn && calibration.calibrationNumber !== finding.calibrationNumber)
    .sort((a, b) => a.performedOn.localeCompare(b.performedOn) || a.calibrationNumber.localeCompare(b.calibrationNumber))
    .at(-1);
  return last
    ? { from: last.performedOn, to: finding.performedOn, since: `last passing calibration ${last.calibrationNumber}`, sinceReference: last.calibrationNumber }
    : { from: registeredOn, to: finding.performedOn, since: 'registration, with no passing calibration before', sinceReference: null };
}

/**
 * A failing intermediate check: from the later of the machine's last passing check and its last
 * approved passing calibration performed on or before the failing check, to the day of the check;
 * from the day it was registered when there is neither.
 */
export function intermediateCheckWindow(
  failing: { checkId: string; performedOn: string },
  passingChecks: readonly { checkId: string; performedOn: string }[],
  approved: readonly PassingCalibration[],
  registeredOn: string,
): ExposureWindow {
  const check = passingChecks.filter((done) => done.performedOn <= failing.performedOn && done.checkId !== failing.checkId).at(-1);
  const calibration = approved.filter((done) => done.performedOn <= failing.performedOn).at(-1);
  if (check && (!calibration || check.performedOn >= calibration.performedOn))
    return { from: check.performedOn, to: failing.performedOn, since: `last passing intermediate check ${check.checkId}`, sinceReference: check.checkId };
  if (calibration)
    return {
      from: calibration.performedOn,
      to: failing.performedOn,
      since: `last passing calibration ${calibration.calibrationNumber}`,
      sinceReference: calibration.calibrationNumber,
    };
  return { from: registeredOn, to: failing.performedOn, since: 'registration, with no passing check or calibration before', sinceReference: null };
}

export interface CompletedRecord {
  recordNumber: string;
  completedAt: string;
  faulty: boolean;
}

/**
 * A PM fault, or a fault reported by hand: from the machine's last record completed without a fault
 * before the finding to the finding; from registration when there is none.
 */
export function faultWindow(foundAt: string, records: readonly CompletedRecord[], registeredAt: string, excluding: string | null): ExposureWindow {
  const last = records
    .filter((record) => !record.faulty && record.completedAt <= foundAt && record.recordNumber !== excluding)
    .sort((a, b) => a.completedAt.localeCompare(b.completedAt))
    .at(-1);
  const to = foundAt.slice(0, 10);
  return last
    ? { from: last.completedAt.slice(0, 10), to, since: `last record completed without a fault, ${last.recordNumber}`, sinceReference: last.recordNumber }
    : { from: registeredAt.slice(0, 10), to, since: 'registration, with no record completed without a fault before', sinceReference: null };
}

export function inWindow(day: string, window: Pick<ExposureWindow, 'from' | 'to'>): boolean {
  const date = day.slice(0, 10);
  return date >= window.from && date <= window.to;
}

export interface StandardUse {
  calibrationNumber: string;
  labId: string;
  serialNumber: string;
  performedOn: string;
  status: string;
  standards: readonly { serialNumber: string }[];
}

/**
 * The calibrations that named the standard inside the window (reverse traceability, §6.5): a rejected
 * event never counted, and the finding itself is not an item.
 */
export function calibrationsUsing(standardSerialKey: string, events: readonly StandardUse[], window: ExposureWindow, finding: string | null): StandardUse[] {
  return events.filter(
    (event) =>
      event.status !== 'Rejected' &&
      event.calibrationNumber !== finding &&
      inWindow(event.performedOn, window) &&
      event.standards.some((standard) => standard.serialNumber.toUpperCase() === standardSerialKey),
  );
}

/** The machine's PM records completed inside the window, except the ones that bound it. */
export function recordsInWindow<T extends { recordNumber: string; completedAt: string | null }>(
  records: readonly T[],
  window: ExposureWindow,
  excluding: readonly (string | null)[],
): T[] {
  return records.filter(
    (record) =>
      record.completedAt !== null &&
      inWindow(record.completedAt, window) &&
      record.recordNumber !== window.sinceReference &&
      !excluding.includes(record.recordNumber),
  );
}
