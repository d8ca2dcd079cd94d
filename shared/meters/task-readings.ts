import { readEquipment } from '../data/equipment-repository.js';
import type { RecordDocument } from '../data/records-repository.js';
import type { AuditActor } from '../domain/audit-chain.js';
import { readingProblem } from '../domain/meters.js';
import { badRequest, conflict, type FieldError, HttpProblem } from '../platform/problems.js';
import type { Task } from '../schemas/catalog.js';
import type { Meter } from '../schemas/meters.js';
import type { Response, ResponseInput } from '../schemas/records.js';
import { addMeter, takeReading } from './meter-readings.js';

type Facts = Parameters<typeof takeReading>[5];

/** The record's reading tasks that read a meter of the machine, each with the value its response gives. */
function meterTasks<R extends Pick<Response, 'taskId' | 'value' | 'meterReason'>>(
  tasks: readonly Task[],
  responses: readonly R[],
): { task: Task & { meter: string }; response: R & { value: number }; index: number }[] {
  return responses.flatMap((response, index) => {
    const task = tasks.find((each) => each.taskId === response.taskId);
    if (task?.meter === undefined || response.value === undefined) return [];
    return [{ task: task as Task & { meter: string }, response: response as R & { value: number }, index }];
  });
}

const meterNamed = (meters: readonly Meter[] | undefined, name: string) => meters?.find((meter) => meter.name.toLowerCase() === name.toLowerCase());

/**
 * Refuses, before anything is signed or written, a completion whose meter reading the meter would
 * refuse: a value lower than the meter's last reading needs the reason replaced or reset on the task.
 */
export async function assertTaskReadingsTakeable(record: RecordDocument, responses: readonly ResponseInput[]): Promise<void> {
  const linked = meterTasks(record.tasks, responses);
  if (linked.length === 0) return;
  const machine = (await readEquipment(record.labId, record.serialNumber))?.document;
  const errors: FieldError[] = linked.flatMap(({ task, response, index }) => {
    const meter = meterNamed(machine?.meters, task.meter);
    const problem = meter ? readingProblem(meter, response.value, response.meterReason) : null;
    return problem ? [{ field: `responses.${index}.meterReason`, message: `"${task.text}": ${problem}` }] : [];
  });
  if (errors.length > 0) throw badRequest(errors.map((error) => error.message).join(' '), errors);
}

/**
 * Takes the readings a completed record's meter tasks gave (SPEC §15), after the record is signed: the
 * signed value is the reading, so it is taken from the record as it was written. Each reading is named
 * by the record and task, so completing again (a retry after a crash, or a second tap) finds it taken
 * and takes nothing more. A machine without the task's meter gets it, in the task's unit, at its first
 * reading: the manager who linked the task asked for that meter to be kept.
 */
export async function takeTaskReadings(record: RecordDocument, actor: AuditActor, facts: Facts): Promise<string[]> {
  const linked = meterTasks(record.tasks, record.responses);
  const opened: string[] = [];
  for (const { task, response } of linked) {
    await addMissingMeter(record, task, actor, facts);
    try {
      const result = await takeReading(
        actor,
        record.labId,
        record.serialNumber,
        { name: task.meter },
        { value: response.value, reason: response.meterReason, source: 'task', task: { recordNumber: record.recordNumber, taskId: task.taskId } },
        facts,
      );
      opened.push(...result.recordsOpened);
    } catch (error) {
      // Someone took a higher reading between the check and the signature: the record stands as signed.
      if (error instanceof HttpProblem && error.status === 400)
        throw conflict(`${record.recordNumber} is completed, but its ${task.meter} reading was not taken: ${error.message}`);
      throw error;
    }
  }
  return opened;
}

async function addMissingMeter(record: RecordDocument, task: Task & { meter: string }, actor: AuditActor, facts: Facts): Promise<void> {
  const machine = (await readEquipment(record.labId, record.serialNumber))?.document;
  if (!machine || meterNamed(machine.meters, task.meter)) return;
  await addMeter(actor, record.labId, record.serialNumber, { name: task.meter, unit: task.unit ?? '' }, facts).catch((error: unknown) => {
    // Added by another completion meanwhile: the reading goes to that meter.
    if (!(error instanceof HttpProblem && error.status === 409)) throw error;
  });
}
