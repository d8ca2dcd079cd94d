import type { EquipmentDocument } from '../data/equipment-repository.js';

/**
 * Every lab a machine has been in, the one it is in first: where its records, calibrations and
 * nonconformities were written, each in its lab's partition, and so where its history is read from.
 */
export function labsOfMachine(document: Pick<EquipmentDocument, 'labId' | 'history'>): string[] {
  const passedThrough = document.history.flatMap((event) => [event.labId, event.fromLabId, event.toLabId]);
  return [...new Set([document.labId, ...passedThrough.filter((lab): lab is string => Boolean(lab))])];
}
