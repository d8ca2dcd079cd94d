import type { RecordDocument } from '../data/records-repository.js';
import type { FieldError } from '../platform/problems.js';
import type { Task } from '../schemas/catalog.js';
import type { Response, ResponseInput } from '../schemas/records.js';

/**
 * Checks responses against the tasks the record was generated with. Completion needs every task
 * answered once and ticked; a reading needs a number, and one outside the task's limits is accepted,
 * flagged, and must be explained in a note. `partial` (amendments) answers only some tasks.
 */
export function checkResponses(tasks: readonly Task[], inputs: readonly ResponseInput[], partial = false): { responses: Response[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const byId = new Map(tasks.map((task) => [task.taskId, task]));
  const seen = new Set<string>();
  const responses: Response[] = [];
  inputs.forEach((input, index) => {
    const field = (name: string) => `responses.${index}.${name}`;
    const task = byId.get(input.taskId);
    if (!task) return errors.push({ field: field('taskId'), message: `${input.taskId} is not a task of this record` });
    if (seen.has(input.taskId)) return errors.push({ field: field('taskId'), message: `${input.taskId} is answered more than once` });
    seen.add(input.taskId);
    // A task marked fault found was done as far as it could be: the fault is its answer.
    if (!input.done && !input.fault) errors.push({ field: field('done'), message: `"${task.text}" must be done before the record is complete` });
    const response: Response = {
      taskId: input.taskId,
      done: input.done,
      ...(input.note !== undefined ? { note: input.note } : {}),
      ...(input.fault ? { fault: true } : {}),
    };
    if (input.fault && input.note === undefined)
      errors.push({ field: field('note'), message: `"${task.text}" is marked fault found: add a note saying what is wrong` });
    if (task.kind === 'reading') {
      if (input.value === undefined) errors.push({ field: field('value'), message: `"${task.text}" needs a reading${task.unit ? ` in ${task.unit}` : ''}` });
      else {
        response.value = input.value;
        const outOfRange = (task.min !== undefined && input.value < task.min) || (task.max !== undefined && input.value > task.max);
        if (outOfRange) {
          response.outOfRange = true;
          if (input.note === undefined && !input.fault) {
            errors.push({
              field: field('note'),
              message: `${input.value} is outside ${task.min ?? '…'}–${task.max ?? '…'}${task.unit ? ` ${task.unit}` : ''}: add a note saying why`,
            });
          }
        }
      }
    } else if (input.value !== undefined) {
      errors.push({ field: field('value'), message: `"${task.text}" is a tick box and takes no reading` });
    }
    if (input.meterReason !== undefined) {
      if (task.meter === undefined)
        errors.push({ field: field('meterReason'), message: `"${task.text}" reads no meter, so it takes no reason replaced or reset` });
      else response.meterReason = input.meterReason;
    }
    responses.push(response);
  });
  if (!partial) {
    tasks.forEach((task) => {
      if (!seen.has(task.taskId)) errors.push({ field: 'responses', message: `${task.taskId} ("${task.text}") is not answered` });
    });
  }
  return { responses, errors };
}

/** The responses as they stand after every amendment. */
export function currentResponses(record: Pick<RecordDocument, 'responses' | 'amendments'>): Response[] {
  const current = new Map(record.responses.map((response) => [response.taskId, response]));
  for (const amendment of record.amendments) for (const change of amendment.changes) current.set(change.taskId, change.after);
  return [...current.values()];
}

/** Until when a record may still be completed: its due time, and for late completion the days after it. */
export function completableUntil(record: Pick<RecordDocument, 'status' | 'dueEnd'>, lateCompletionDays: number): Date | null {
  if (record.status !== 'Open' && record.status !== 'Missed') return null;
  return new Date(Date.parse(record.dueEnd) + lateCompletionDays * 86_400_000);
}

/** Why a record cannot be completed now, in words for the person trying; null when it can. */
export function whyNotCompletable(record: RecordDocument, now: Date, lateCompletionDays: number): string | null {
  if (record.status === 'Completed') {
    return `${record.recordNumber} was already completed by ${record.completedBy?.displayName ?? 'someone'} at ${record.completedAt}; a manager can amend it.`;
  }
  if (record.status === 'Cancelled') return `${record.recordNumber} was cancelled (${record.cancelReason ?? 'no reason given'}) and cannot be completed.`;
  if (record.opensAt && now.getTime() < Date.parse(record.opensAt)) {
    return `${record.recordNumber} is the ${record.frequency.toLowerCase()} checklist of ${record.periodStart}; it opens at ${record.opensAt} and cannot be completed before.`;
  }
  const until = completableUntil(record, lateCompletionDays)!;
  if (now.getTime() > until.getTime()) {
    return `${record.recordNumber} was missed and the ${lateCompletionDays}-day window for late completion ended at ${until.toISOString()}; a manager may add a justification.`;
  }
  return null;
}

/** Whether the record, as it stands after its amendments, found the machine faulty. */
export function foundFault(record: Pick<RecordDocument, 'responses' | 'amendments'>): boolean {
  return currentResponses(record).some((response) => response.fault === true);
}
