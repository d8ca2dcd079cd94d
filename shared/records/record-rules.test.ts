import { describe, expect, it } from 'vitest';
import { checkResponses } from './record-rules.js';

const tasks = [
  { taskId: 'T1', text: 'Inspect the tool holders', kind: 'check' as const },
  { taskId: 'T2', text: 'Spindle temperature', kind: 'reading' as const, unit: '°C', min: 20, max: 40 },
];

describe('the answers of a checklist', () => {
  it('take a task marked fault found as its answer: it need not also be ticked done, but needs its note', () => {
    const faulty = checkResponses(tasks, [
      { taskId: 'T1', done: false, fault: true, note: 'Two tool holders cracked, machine unsafe' },
      { taskId: 'T2', done: true, value: 30 },
    ]);
    expect(faulty.errors).toEqual([]);
    expect(faulty.responses[0]).toEqual({ taskId: 'T1', done: false, fault: true, note: 'Two tool holders cracked, machine unsafe' });
    const silent = checkResponses(tasks, [
      { taskId: 'T1', done: false, fault: true },
      { taskId: 'T2', done: true, value: 30 },
    ]);
    expect(silent.errors).toEqual([
      { field: 'responses.0.note', message: '"Inspect the tool holders" is marked fault found: add a note saying what is wrong' },
    ]);
    const undone = checkResponses(tasks, [
      { taskId: 'T1', done: false },
      { taskId: 'T2', done: true, value: 30 },
    ]);
    expect(undone.errors).toEqual([{ field: 'responses.0.done', message: '"Inspect the tool holders" must be done before the record is complete' }]);
  });
});
