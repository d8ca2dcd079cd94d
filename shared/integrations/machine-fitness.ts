import { readEquipment, readSerialClaim, type EquipmentDocument } from '../data/equipment-repository.js';
import { currentPlan, fitnessOf } from '../domain/machine-lifecycle.js';
import { addDays, type Fitness } from '../domain/calibration-rules.js';
import { formatDay, localDay } from '../domain/periods.js';
import { labTimeZone } from '../labs/lab-today.js';
import { notFound } from '../platform/problems.js';
import type { MachineFitness } from '../schemas/machine-fitness.js';
import type { ApiKeyCaller } from './api-keys.js';

/**
 * The lab-local day the latest fact behind the machine's fitness took effect, so a LIMS can tell a
 * state of this morning from one of last year. Facts still to come (a due date ahead) do not count.
 */
export function fitnessSince(machine: EquipmentDocument, fitness: Fitness, today: string, timeZone: string): string | null {
  const dayOf = (instant: string) => formatDay(localDay(new Date(instant), timeZone));
  const state = machine.calibration;
  const plan = currentPlan(state);
  const facts = [
    dayOf(machine.statusChangedAt),
    machine.quarantine ? dayOf(machine.quarantine.since) : null,
    state?.finding?.performedOn ?? null,
    state?.approved.at(-1)?.performedOn ?? null,
    state?.recalibrationRequested?.on ?? null,
    fitness.calibrationDue && plan ? addDays(fitness.calibrationDue, plan.graceDays + 1) : null,
    fitness.calibrationDue && plan ? addDays(fitness.calibrationDue, -plan.warningDays) : null,
  ];
  return (
    facts
      .filter((day): day is string => day !== null && day <= today)
      .sort()
      .at(-1) ?? null
  );
}

/**
 * The machine's fitness for an integration whose key names its lab. A machine of another lab answers
 * exactly as one that does not exist, so a key learns nothing about labs it was not given.
 */
export async function machineFitnessFor(caller: ApiKeyCaller, serialNumber: string, now = new Date()): Promise<MachineFitness> {
  const missing = () => notFound(`There is no machine ${serialNumber} in the labs this API key may read.`);
  const labId = (await readSerialClaim(serialNumber))?.document.labId;
  if (!labId || !caller.labIds.includes(labId)) throw missing();
  const machine = (await readEquipment(labId, serialNumber))?.document;
  if (!machine || machine.presence === 'departed') throw missing();
  const timeZone = await labTimeZone(labId);
  const today = formatDay(localDay(now, timeZone));
  const fitness = fitnessOf(machine, today);
  return {
    serialNumber: machine.serialNumber,
    labId,
    state: fitness.state,
    fitForUse: fitness.state !== 'not fit',
    reasons: fitness.reasons,
    calibrationDue: fitness.calibrationDue,
    since: fitnessSince(machine, fitness, today, timeZone),
    asOfLabDay: today,
  };
}
