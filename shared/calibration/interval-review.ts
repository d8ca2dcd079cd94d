import { allCalibrationsOf } from '../data/calibration-repository.js';
import { serialKey } from '../data/equipment-repository.js';
import { intervalInDays, simpleResponseMethod, simpleResponseSteps } from '../domain/calibration-intervals.js';
import { findEquipment } from '../equipment/manage-equipment.js';
import { settings } from '../platform/config.js';
import type { PlanVersion } from '../schemas/calibration.js';
import type { IntervalReview } from '../schemas/calibration-interval-review.js';

/** The version that set the interval in force: the earliest of the unbroken run of versions ending at the current one with its interval. */
function intervalSetBy(versions: readonly PlanVersion[]): PlanVersion | undefined {
  const current = versions.at(-1);
  if (!current) return undefined;
  let setting = current;
  for (const version of [...versions].reverse()) {
    if (version.intervalDays !== current.intervalDays || version.intervalMonths !== current.intervalMonths) break;
    setting = version;
  }
  return setting;
}

/**
 * Recommends a machine's calibration interval by the simple response method from the calibrations
 * approved at this lab since its interval was last set: each one as found moves the interval by the
 * factors in force (settings CALIBRATION_INTERVAL_*). Initial calibrations have no as-found result
 * and do not count. Reading only: a Manager changes the plan with the recommendation as its reason.
 */
export async function reviewCalibrationInterval(labId: string, serialNumber: string): Promise<IntervalReview> {
  const { document } = await findEquipment(labId, serialNumber);
  const versions = document.calibration?.planVersions ?? [];
  const { CALIBRATION_INTERVAL_LENGTHEN, CALIBRATION_INTERVAL_SHORTEN, CALIBRATION_INTERVAL_MIN_DAYS, CALIBRATION_INTERVAL_MAX_DAYS } = settings();
  const factors = {
    lengthen: CALIBRATION_INTERVAL_LENGTHEN,
    shorten: CALIBRATION_INTERVAL_SHORTEN,
    minDays: CALIBRATION_INTERVAL_MIN_DAYS,
    maxDays: CALIBRATION_INTERVAL_MAX_DAYS,
  };
  const base = { serialNumber: document.serialNumber, labId, method: simpleResponseMethod, factors };
  const current = versions.at(-1);
  const currentDays = current ? intervalInDays(current) : null;
  if (!current || currentDays === null) {
    return {
      ...base,
      currentIntervalDays: null,
      intervalSetAt: null,
      recommendedIntervalDays: null,
      history: [],
      summary: `${document.serialNumber} has no calibration interval to review.`,
    };
  }
  const setAt = intervalSetBy(versions)!.changedAt;
  const calibrations = (await allCalibrationsOf(labId, serialKey(document.serialNumber))).filter(
    (calibration) => calibration.status === 'Approved' && !calibration.initial && (calibration.approval?.signature.signedAt ?? '') > setAt,
  );
  const history = simpleResponseSteps(
    currentDays,
    calibrations.map(({ calibrationNumber, performedOn, outOfTolerance }) => ({ calibrationNumber, performedOn, outOfTolerance })),
    factors,
  );
  const recommended = history.at(-1)?.intervalAfter ?? currentDays;
  const outOf = history.filter((step) => step.outOfTolerance).length;
  const summary =
    history.length === 0
      ? `No calibration has been approved since the interval of ${currentDays} days was set, so it stays.`
      : `${history.length} calibration${history.length === 1 ? '' : 's'} approved since the interval of ${currentDays} days was set, ${outOf} out of tolerance as found: the simple response method recommends ${recommended} days.`;
  return { ...base, currentIntervalDays: currentDays, intervalSetAt: setAt, recommendedIntervalDays: recommended, history, summary };
}
