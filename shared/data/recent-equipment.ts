import type { EquipmentDocument } from './equipment-repository.js';

/**
 * Each lab's machines as this instance last read them, for answers that need only their status and
 * calibration beside hundreds of other rows (the dashboard's fitness): kept a minute, and dropped at
 * once when this instance writes the lab's equipment. A change made through another instance shows
 * within the minute; pages about one machine always read it fresh.
 */
const lifetimeMs = 60_000;
const recent = new Map<string, { readAt: number; machines: Promise<EquipmentDocument[]> }>();

export function recentEquipmentOf(labId: string, load: () => Promise<EquipmentDocument[]>): Promise<EquipmentDocument[]> {
  const found = recent.get(labId);
  if (found && performance.now() - found.readAt < lifetimeMs) return found.machines;
  const entry = { readAt: performance.now(), machines: load() };
  recent.set(labId, entry);
  // A failed read is not kept; a newer read that replaced it meanwhile is.
  entry.machines.catch(() => recent.get(labId) === entry && recent.delete(labId));
  return entry.machines;
}

export function forgetRecentEquipment(labId: string): void {
  recent.delete(labId);
}
