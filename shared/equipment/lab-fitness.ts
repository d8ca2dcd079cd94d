import { allEquipmentOf, recentEquipmentOf } from '../data/equipment-repository.js';
import type { Fitness } from '../domain/calibration-rules.js';
import { fitnessOf, intermediateChecksDueBy } from '../domain/machine-lifecycle.js';
import { labToday } from '../labs/lab-today.js';
import type { DueIntermediateCheck } from '../schemas/dashboard.js';

/**
 * What the lab's dashboard shows of its machines, from the machines this instance read within the
 * minute (see recentEquipmentOf), without a request of their own in the steady state: by serial
 * number, those not fit for use or whose calibration falls due soon; and the intermediate checks due
 * today or overdue (§6.4.10).
 */
export async function labMachinesWorthShowing(labId: string): Promise<{ fitness: Map<string, Fitness>; intermediateChecksDue: DueIntermediateCheck[] }> {
  const [machines, today] = await Promise.all([recentEquipmentOf(labId, () => allEquipmentOf(labId)), labToday(labId)]);
  const fitness = new Map<string, Fitness>();
  for (const machine of machines) {
    if (!machine.calibration && !machine.quarantine && machine.status === 'In Service') continue;
    const state = fitnessOf(machine, today);
    if (state.state !== 'fit') fitness.set(machine.serialNumber, state);
  }
  const intermediateChecksDue = intermediateChecksDueBy(machines, today).map(({ machine, due, checkStandard }) => ({
    serialNumber: machine.serialNumber,
    modelId: machine.modelId,
    checkStandard,
    due,
    overdue: due < today,
  }));
  return { fitness, intermediateChecksDue };
}
