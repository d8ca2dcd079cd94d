import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frequencies, type TaskInput } from '../schemas/catalog.js';
import { planTasks, TaskPlanError, type FrequenciesInput } from './model-tasks.js';

const check = (text: string): TaskInput => ({ text, kind: 'check' });

function allIds(plan: ReturnType<typeof planTasks>): string[] {
  return frequencies.flatMap((frequency) => plan.frequencies[frequency]?.tasks.map((task) => task.taskId) ?? []);
}

const frequenciesInput = fc.dictionary(
  fc.constantFrom(...frequencies),
  fc.record({ tasks: fc.array(fc.string({ minLength: 1, maxLength: 8 }).map(check), { maxLength: 6 }) }),
) as fc.Arbitrary<FrequenciesInput>;

describe('planTasks', () => {
  it('gives every new task an id no other task of the model has', () => {
    fc.assert(
      fc.property(frequenciesInput, (input) => {
        const plan = planTasks(undefined, input, '2026-01-01T00:00:00Z');
        const ids = allIds(plan);
        expect(new Set(ids).size).toBe(ids.length);
        const sent = Object.values(input).reduce((sum, plan) => sum + (plan?.tasks.length ?? 0), 0);
        expect(ids).toHaveLength(sent);
        expect(plan.nextTaskNumber).toBe(sent + 1);
      }),
    );
  });

  it('keeps every task id through reordering and rewording, and never reuses a removed id', () => {
    fc.assert(
      fc.property(frequenciesInput, fc.integer({ min: 0, max: 1000 }), (input, seed) => {
        const first = planTasks(undefined, input, '2026-01-01T00:00:00Z');
        const edited: FrequenciesInput = {};
        for (const frequency of frequencies) {
          const tasks = first.frequencies[frequency]?.tasks ?? [];
          const shuffled = [...tasks].sort((a, b) => ((a.taskId.length * seed + b.text.length) % 3) - 1);
          // Drop the last task, reword the others, add one new task.
          edited[frequency] = { tasks: [...shuffled.slice(0, -1).map((task) => ({ ...check(`${task.text}!`), taskId: task.taskId })), check('new')] };
        }
        const second = planTasks(first, edited, '2026-02-01T00:00:00Z');
        for (const frequency of frequencies) {
          for (const task of second.frequencies[frequency]?.tasks ?? []) {
            if (task.text === 'new') expect(allIds(first)).not.toContain(task.taskId);
            else expect(first.frequencies[frequency]?.tasks.find((old) => old.taskId === task.taskId)?.text).toBe(task.text.slice(0, -1));
          }
        }
        expect(second.nextTaskNumber).toBeGreaterThanOrEqual(first.nextTaskNumber);
      }),
    );
  });

  it('refuses an id the model never gave out and an id sent twice, naming the field', () => {
    const first = planTasks(undefined, { Daily: { tasks: [check('Clean the plate')] } }, '2026-01-01T00:00:00Z');
    expect(() => planTasks(first, { Daily: { tasks: [{ ...check('x'), taskId: 'T9' }] } }, 'now')).toThrow(TaskPlanError);
    try {
      planTasks(
        first,
        {
          Weekly: {
            tasks: [
              { ...check('a'), taskId: 'T1' },
              { ...check('b'), taskId: 'T1' },
            ],
          },
        },
        'now',
      );
      expect.unreachable();
    } catch (error) {
      expect((error as TaskPlanError).errors).toEqual([{ field: 'frequencies.Weekly.tasks.1.taskId', message: 'T1 appears more than once' }]);
    }
  });

  it('keeps the date a frequency became required while it stays required, and starts again after a pause', () => {
    const first = planTasks(undefined, { Daily: { tasks: [check('a')] } }, '2026-01-01T00:00:00Z');
    const kept = planTasks(first, { Daily: { tasks: [check('b')] }, Monthly: { tasks: [check('c')] } }, '2026-02-01T00:00:00Z');
    expect(kept.frequencies.Daily?.requiredSince).toBe('2026-01-01T00:00:00Z');
    expect(kept.frequencies.Monthly?.requiredSince).toBe('2026-02-01T00:00:00Z');
    const paused = planTasks(kept, { Monthly: { tasks: [check('c')] } }, '2026-03-01T00:00:00Z');
    expect(paused.frequencies.Daily).toBeUndefined();
    const resumed = planTasks(paused, { Daily: { tasks: [check('a')] }, Monthly: { tasks: [check('c')] } }, '2026-04-01T00:00:00Z');
    expect(resumed.frequencies.Daily?.requiredSince).toBe('2026-04-01T00:00:00Z');
  });
});
