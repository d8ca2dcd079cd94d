import type { EquipmentDocument } from '../data/equipment-repository.js';
import type { Versioned } from '../data/versioned.js';
import { findEquipment } from '../equipment/manage-equipment.js';
import { labToday } from '../labs/lab-today.js';
import { badRequest, fieldsProblem } from '../platform/problems.js';

/**
 * The machine a calibration or an intermediate check is recorded on, once the day it was performed
 * is known to be possible: not after the lab's today, and not before the machine was registered.
 */
export async function machineAsPerformedOn(
  labId: string,
  serialNumber: string,
  performedOn: string,
  what: 'calibration' | 'check',
): Promise<Versioned<EquipmentDocument>> {
  const today = await labToday(labId);
  if (performedOn > today)
    throw badRequest(`A ${what} cannot be recorded before it is performed (${performedOn} is after today, ${today}).`, [
      { field: 'performedOn', message: 'is in the future' },
    ]);
  const found = await findEquipment(labId, serialNumber);
  const registeredOn = await labToday(labId, new Date(found.document.createdAt));
  if (performedOn < registeredOn)
    throw fieldsProblem(`A ${what} cannot predate its machine`, [
      { field: 'performedOn', message: `is ${performedOn}, before ${serialNumber} was registered on ${registeredOn}` },
    ]);
  return found;
}
