import type { AmendableFields, CalibrationDocument } from '../data/calibration-repository.js';
import { judgeEvent, type Measurement } from '../domain/calibration-rules.js';
import { contentHash } from '../domain/record-hash.js';
import type { CalibrationAmendment } from '../schemas/calibration.js';
import type { Signature } from '../schemas/records.js';

export type AmendmentChange = CalibrationAmendment['changes'][number];
type Reading = { value: number; uncertainty?: number };

export function amendableFieldsOf(event: AmendableFields): AmendableFields {
  const { certificateNumber, adjustment, points, result, outOfTolerance } = event;
  return { certificateNumber, adjustment, points, result, outOfTolerance };
}

const readingOf = (measurement: Measurement): Reading => ({
  value: measurement.value,
  ...(measurement.uncertainty !== undefined ? { uncertainty: measurement.uncertainty } : {}),
});
const sameReading = (a: Reading | null, b: Reading | null) => a?.value === b?.value && a?.uncertainty === b?.uncertainty;

/** The field-by-field changes the corrections make to the calibration as it stands; unchanged values are left out. */
export function changesOf(
  current: AmendableFields,
  corrections: { certificateNumber?: string | undefined; adjustment?: string | undefined; asFound: readonly Measurement[]; asLeft: readonly Measurement[] },
): AmendmentChange[] {
  const changes: AmendmentChange[] = [];
  if (corrections.certificateNumber !== undefined && corrections.certificateNumber !== current.certificateNumber) {
    changes.push({ field: 'certificateNumber', before: current.certificateNumber, after: corrections.certificateNumber });
  }
  if (corrections.adjustment !== undefined && corrections.adjustment !== current.adjustment)
    changes.push({ field: 'adjustment', before: current.adjustment, after: corrections.adjustment });
  for (const which of ['asFound', 'asLeft'] as const) {
    for (const measurement of corrections[which]) {
      const point = current.points.find((candidate) => candidate.pointId === measurement.pointId)!;
      const after = readingOf(measurement);
      if (!sameReading(point[which], after)) changes.push({ field: `${which}.${measurement.pointId}`, before: point[which], after });
    }
  }
  return changes;
}

/**
 * The calibration after the changes, every point judged again under the event's own rule (a
 * correction of a reading can change a point's verdict, the result and out-of-tolerance).
 */
export function applyChanges(
  current: AmendableFields,
  changes: readonly AmendmentChange[],
  event: Pick<CalibrationDocument, 'initial' | 'adjusted' | 'decisionRule'>,
): AmendableFields {
  const next: AmendableFields = { ...current, points: current.points.map((point) => ({ ...point })) };
  for (const change of changes) {
    if (change.field === 'certificateNumber') next.certificateNumber = change.after as string;
    else if (change.field === 'adjustment') next.adjustment = change.after as string;
    else {
      const [which, pointId] = change.field.split('.') as ['asFound' | 'asLeft', string];
      next.points.find((point) => point.pointId === pointId)![which] = change.after as Reading;
    }
  }
  const measurements = (which: 'asFound' | 'asLeft') => next.points.flatMap((point) => (point[which] ? [{ pointId: point.pointId, ...point[which] }] : []));
  const outcome = judgeEvent(
    next.points,
    { initial: event.initial, adjusted: event.adjusted, asFound: measurements('asFound'), asLeft: measurements('asLeft') },
    event.decisionRule,
  );
  next.points = next.points.map((point, index) => ({ ...point, asFoundResult: outcome.points[index]!.asFound, asLeftResult: outcome.points[index]!.asLeft }));
  next.result = outcome.result;
  next.outOfTolerance = outcome.outOfTolerance;
  return next;
}

/** What an amendment signature signs: the calibration, the amendment's number, reason and changes, the calibration they left, and the signer. */
export function signedAmendmentHash(
  calibrationNumber: string,
  amendment: Pick<CalibrationAmendment, 'number' | 'reason' | 'changes'>,
  after: AmendableFields,
  signer: Omit<Signature, 'contentHash'>,
): string {
  return contentHash({
    calibrationNumber,
    number: amendment.number,
    reason: amendment.reason,
    changes: amendment.changes,
    after: amendableFieldsOf(after),
    ...signer,
  });
}

/**
 * Replays every amendment from the calibration as entered: each signature must match the calibration
 * its changes left, and the last must leave the calibration as stored.
 */
export function amendmentProblem(stored: CalibrationDocument): string | null {
  const amendments = stored.amendments ?? [];
  if (amendments.length === 0) return null;
  if (!stored.asEntered) return 'the calibration has amendments but not the values they corrected';
  let state = stored.asEntered;
  for (const amendment of amendments) {
    state = applyChanges(state, amendment.changes, stored);
    const { contentHash: signed, ...signer } = amendment.signature;
    if (signedAmendmentHash(stored.calibrationNumber, amendment, state, signer) !== signed)
      return `the signature of amendment ${amendment.number} does not match the amendment`;
  }
  if (contentHash(amendableFieldsOf(state)) !== contentHash(amendableFieldsOf(stored))) return 'the calibration as stored is not what its amendments left';
  return null;
}
