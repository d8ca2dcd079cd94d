import type { EquipmentStatus } from '../schemas/equipment.js';

/** Retired equipment is hidden from lists unless asked for, and never comes back into service by accident. */
export const retiredStatuses: readonly EquipmentStatus[] = ['Retired onsite', 'Retired offsite'];

export function isRetired(status: EquipmentStatus): boolean {
  return retiredStatuses.includes(status);
}

/** Only equipment In Service gets PM records. */
export function getsRecords(status: EquipmentStatus): boolean {
  return status === 'In Service';
}
