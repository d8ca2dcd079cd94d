import type { Task } from '../schemas/catalog.js';

/**
 * A reading as the technician wrote it: with the task's number of decimals when it has one, so a
 * pressure read as 0.20 MPa is not shown (or exported) as 0.2.
 */
export function formatReading(value: number, task: Pick<Task, 'decimals'> | undefined): string {
  return task?.decimals !== undefined ? value.toFixed(task.decimals) : String(value);
}
