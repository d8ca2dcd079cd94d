import { allEquipmentOf, type EquipmentDocument } from '../data/equipment-repository.js';
import { daysBetween } from '../domain/calibration-rules.js';
import { formatDay, localDay } from '../domain/periods.js';
import { overdueNoted } from '../domain/machine-lifecycle.js';
import { changeMachine } from '../equipment/machine-changes.js';
import { equipmentEvent } from '../equipment/manage-equipment.js';
import { labToday } from '../labs/lab-today.js';
import { trackProductEvent } from '../platform/telemetry.js';
import { systemActor } from '../users/manage-users.js';
import { fitnessOf } from './fitness.js';

const overdue = (fitness: ReturnType<typeof fitnessOf>) => fitness.reasons.includes('calibration overdue');

/**
 * The hourly check (SPEC §9), made by each lab's generator run: a machine found past its calibration due date plus grace is noted once,
 * with an audit entry in the lab's equipment chain and a `CalibrationOverdue` event that the alert
 * watches. Fitness itself is computed from the date wherever the machine is shown; this makes the
 * moment it lapsed part of the record and tells someone. Returns the machines noted now.
 */
export async function noteOverdueCalibrations(
  labId: string,
  now = new Date(),
  known?: { machines: readonly EquipmentDocument[]; timeZone: string },
): Promise<string[]> {
  // The generator's hourly run of the lab hands over what it read already: no request of its own then.
  const [machines, today] = known
    ? [known.machines, formatDay(localDay(now, known.timeZone))]
    : await Promise.all([allEquipmentOf(labId), labToday(labId, now)]);
  const lapsed = machines.filter(
    (machine) => machine.presence === 'present' && machine.calibration && !machine.calibration.overdueNotedOn && overdue(fitnessOf(machine, today)),
  );
  const noted: string[] = [];
  for (const machine of lapsed) {
    const fitness = await changeMachine(labId, machine.serialNumber, (document) => {
      const next = overdueNoted(document, today);
      if (!next) return { write: null, answer: null };
      const current = fitnessOf(document, today);
      const audit = equipmentEvent('calibration.overdue', document, [labId], systemActor, null, {
        reason: `calibration was due on ${current.calibrationDue}; past its grace period the machine is not fit for use`,
        after: { calibrationDue: current.calibrationDue, notedOn: today, fitness: current.state },
      });
      return { write: { next, events: [audit] }, answer: current };
    });
    if (!fitness) continue;
    noted.push(machine.serialNumber);
    const daysOverdue = daysBetween(fitness.calibrationDue!, today);
    trackProductEvent('CalibrationOverdue', { labId, serialNumber: machine.serialNumber }, { daysOverdue });
  }
  return noted;
}
