import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foldJournal, journalSegments, JournalWriter, readSegment, segmentPath, type JournalLine } from './journal.js';
import type { Snapshot } from './snapshot.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ems-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const containers = [{ id: 'records', partitionKey: '/labId' }];
const options = { database: 'equipmansys', containers, journalNext: 1 };

describe('the journal', () => {
  it('folds to what the last line of each document says, whatever the order of writes and removals', () => {
    const line = fc.record({
      lab: fc.constantFrom('LAB01', 'LAB02'),
      id: fc.constantFrom('a', 'b', 'c'),
      value: fc.option(fc.integer(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (writes) => {
        const lines: JournalLine[] = writes.map(({ lab, id, value }) => ({
          c: 'records',
          k: lab,
          id,
          d: value === undefined ? null : { id, labId: lab, value },
        }));
        const expected = new Map<string, number>();
        for (const { lab, id, value } of writes) {
          if (value === undefined) expected.delete(`${lab}/${id}`);
          else expected.set(`${lab}/${id}`, value);
        }
        const folded = foldJournal(null, lines, options);
        const items = folded.containers.find((container) => container.id === 'records')!.items;
        expect(new Map(items.map((item) => [`${item.labId as string}/${item.id as string}`, item.value]))).toEqual(expected);
      }),
    );
  });

  it('applies lines over the snapshot: the same id in two partitions is two documents', () => {
    const snapshot: Snapshot = {
      format: 'equipmansys-local-snapshot',
      version: 1,
      takenAt: '2026-12-01T00:00:00.000Z',
      database: 'equipmansys',
      journalNext: 0,
      containers: [
        {
          id: 'records',
          partitionKey: '/labId',
          items: [
            { id: 'counter', labId: 'LAB01', n: 1 },
            { id: 'counter', labId: 'LAB02', n: 7 },
          ],
        },
      ],
    };
    const folded = foldJournal(snapshot, [{ c: 'records', k: 'LAB01', id: 'counter', d: { id: 'counter', labId: 'LAB01', n: 2 } }], {
      ...options,
      journalNext: 3,
    });
    expect(folded.journalNext).toBe(3);
    expect(folded.containers[0]!.items).toEqual([
      { id: 'counter', labId: 'LAB01', n: 2 },
      { id: 'counter', labId: 'LAB02', n: 7 },
    ]);
  });

  it('refuses a line for a container nobody declared', () => {
    expect(() => foldJournal(null, [{ c: 'nope', k: 'x', id: 'x', d: { id: 'x' } }], options)).toThrow(/container nope/);
  });

  it('writes whole lines, leaves a torn last line out, and names the line of damage anywhere else', () => {
    const writer = new JournalWriter(dir, 4);
    writer.append([{ c: 'records', k: 'LAB01', id: 'a', d: { id: 'a', labId: 'LAB01' } }]);
    writer.append([
      { c: 'records', k: 'LAB01', id: 'b', d: { id: 'b', labId: 'LAB01' } },
      { c: 'records', k: 'LAB01', id: 'a', d: null },
    ]);
    expect(writer.rotate()).toBe(4);
    writer.append([{ c: 'records', k: 'LAB02', id: 'c', d: { id: 'c', labId: 'LAB02' } }]);
    writer.close();
    expect(journalSegments(dir)).toEqual([4, 5]);
    expect(readSegment(segmentPath(dir, 4)).map((line) => line.id)).toEqual(['a', 'b', 'a']);

    appendFileSync(segmentPath(dir, 5), '{"c":"records","k":"LAB02","id":"d","d":{"id":"d","lab');
    expect(readSegment(segmentPath(dir, 5)).map((line) => line.id)).toEqual(['c']);

    writeFileSync(segmentPath(dir, 6), '{"c":"records"\n{"c":"records","k":"LAB02","id":"e","d":null}\n');
    expect(() => readSegment(segmentPath(dir, 6))).toThrow(/line 1 is damaged/);
  });

  it('leaves no file behind when nothing was appended', () => {
    const writer = new JournalWriter(dir, 0);
    writer.rotate();
    writer.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
