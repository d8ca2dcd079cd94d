import { allEquipmentOf, recentEquipmentOf } from '../data/equipment-repository.js';
import type { Fitness } from '../domain/calibration-rules.js';
import { fitnessOf } from '../domain/machine-lifecycle.js';
import { labToday } from '../labs/lab-today.js';

/**
 * The lab's machines that are not fit for use or whose calibration falls due soon, by serial number,
 * from the machines this instance read within the minute (see recentEquipmentOf): what dashboard
 * rows show, without a request of their own in the steady state.
 */
export async function labFitnessWorthShowing(labId: string): Promise<Map<string, Fitness>> {
  const [machines, today] = await Promise.all([recentEquipmentOf(labId, () => allEquipmentOf(labId)), labToday(labId)]);
  const shown = new Map<string, Fitness>();
  for (const machine of machines) {
    if (!machine.calibration && !machine.quarantine && machine.status === 'In Service') continue;
    const fitness = fitnessOf(machine, today);
    if (fitness.state !== 'fit') shown.set(machine.serialNumber, fitness);
  }
  return shown;
}
