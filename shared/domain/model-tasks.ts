import { frequencies, type Frequency, type Task, type TaskInput } from '../schemas/catalog.js';
import type { FieldError } from '../schemas/common.js';

export interface FrequencyPlan {
  tasks: Task[];
  requiredSince: string;
  /** A second person signs "Verified by" after completion (absent: no). */
  needsVerification?: boolean;
}

export type FrequencyPlans = Partial<Record<Frequency, FrequencyPlan>>;

export type FrequenciesInput = Partial<Record<Frequency, { tasks: TaskInput[]; needsVerification?: boolean | undefined }>>;

export interface PlannedTasks {
  frequencies: FrequencyPlans;
  /** The number the next new task will get (T1, T2, ...): ids are never reused, even after removal. */
  nextTaskNumber: number;
}

export class TaskPlanError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
  }
}

function knownTaskIds(plans: FrequencyPlans | undefined): Set<string> {
  return new Set(frequencies.flatMap((frequency) => plans?.[frequency]?.tasks.map((task) => task.taskId) ?? []));
}

export function storedTask(taskId: string, input: TaskInput): Task {
  return {
    taskId,
    text: input.text,
    kind: input.kind,
    ...(input.unit !== undefined ? { unit: input.unit } : {}),
    ...(input.min !== undefined ? { min: input.min } : {}),
    ...(input.max !== undefined ? { max: input.max } : {}),
    ...(input.decimals !== undefined ? { decimals: input.decimals } : {}),
    ...(input.meter !== undefined ? { meter: input.meter } : {}),
  };
}

/**
 * Turns the tasks a model is given into the tasks it stores. A task sent with its id keeps it (so a
 * reordered or reworded task is still the same task); a task sent without one gets the next unused id.
 * An id the model never gave out, or the same id twice, is refused. A frequency with tasks is required;
 * it keeps the date it became required for as long as it stays required.
 */
export function planTasks(current: PlannedTasks | undefined, input: FrequenciesInput, now: string): PlannedTasks {
  const known = knownTaskIds(current?.frequencies);
  const used = new Set<string>();
  const errors: FieldError[] = [];
  let nextTaskNumber = current?.nextTaskNumber ?? 1;
  const planned: FrequencyPlans = {};
  for (const frequency of frequencies) {
    const tasks = input[frequency]?.tasks ?? [];
    if (tasks.length === 0) continue;
    const stored = tasks.map((task, index) => {
      if (task.taskId === undefined) return storedTask(`T${nextTaskNumber++}`, task);
      const field = `frequencies.${frequency}.tasks.${index}.taskId`;
      if (!known.has(task.taskId)) errors.push({ field, message: `${task.taskId} is not a task of this model; leave taskId out for a new task` });
      else if (used.has(task.taskId)) errors.push({ field, message: `${task.taskId} appears more than once` });
      used.add(task.taskId);
      return storedTask(task.taskId, task);
    });
    planned[frequency] = {
      tasks: stored,
      requiredSince: current?.frequencies[frequency]?.requiredSince ?? now,
      ...(input[frequency]?.needsVerification ? { needsVerification: true } : {}),
    };
  }
  if (errors.length > 0) throw new TaskPlanError(errors);
  return { frequencies: planned, nextTaskNumber };
}
