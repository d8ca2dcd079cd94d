import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSnapshot, Snapshot } from './snapshot.js';

/**
 * The embedded store's journal: one line of JSON per document as a request left it (`d: null` when
 * removed), appended before the store answers the request, so every acknowledged write survives a
 * SIGKILL. It is kept in numbered segments; a compaction folds the closed ones into the snapshot and
 * removes them. Start-up reads the snapshot, then every segment at or above its `journalNext`.
 */
export interface JournalLine {
  /** The container's id. */
  c: string;
  /** The document's partition key value. */
  k: unknown;
  id: string;
  d: Record<string, unknown> | null;
}

export interface ContainerDefinition {
  id: string;
  partitionKey: string;
  defaultTtl?: number;
}

const segmentPattern = /^cosmos-journal-(\d{6})\.ndjson$/;

export function segmentPath(dataDir: string, segment: number): string {
  return join(dataDir, `cosmos-journal-${String(segment).padStart(6, '0')}.ndjson`);
}

/** The segment numbers in the folder, lowest first. */
export function journalSegments(dataDir: string): number[] {
  return readdirSync(dataDir)
    .map((name) => segmentPattern.exec(name)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function removeSegments(dataDir: string, segments: readonly number[]): void {
  for (const segment of segments) rmSync(segmentPath(dataDir, segment), { force: true });
}

/**
 * A segment's lines. The last line may be torn by a kill in the middle of an append: that request was
 * never answered, so it is left out. A broken line anywhere else is damage, and stops the start.
 */
export function readSegment(path: string): JournalLine[] {
  const text = readFileSync(path, 'utf8');
  const rows = text.split('\n');
  const lines: JournalLine[] = [];
  rows.forEach((row, index) => {
    if (row === '') return;
    try {
      lines.push(JSON.parse(row) as JournalLine);
    } catch (error) {
      if (index === rows.length - 1) return;
      throw new Error(`${path} line ${index + 1} is damaged (${(error as Error).message}); move the file aside to start from the data before it`);
    }
  });
  return lines;
}

function partitionValue(item: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((inner, name) => (inner as Record<string, unknown> | undefined)?.[name], item) ?? null;
}

const keyOf = (partition: unknown, id: string) => JSON.stringify([partition ?? null, id]);

/** The snapshot with the journal's lines applied in order: the store as the last of them left it. */
export function foldJournal(
  snapshot: Snapshot | null,
  lines: Iterable<JournalLine>,
  options: { database: string; containers: readonly ContainerDefinition[]; journalNext: number },
): Snapshot {
  const containers = new Map<string, { definition: ContainerDefinition; items: Map<string, Record<string, unknown>> }>();
  const containerOf = (definition: ContainerDefinition) => {
    let entry = containers.get(definition.id);
    if (!entry) containers.set(definition.id, (entry = { definition, items: new Map() }));
    return entry;
  };
  for (const { items, ...definition } of snapshot?.containers ?? []) {
    const path = definition.partitionKey.slice(1).split('/');
    const entry = containerOf(definition);
    for (const item of items) entry.items.set(keyOf(partitionValue(item, path), item.id as string), item);
  }
  for (const definition of options.containers) containerOf(definition);
  for (const line of lines) {
    const entry = containers.get(line.c);
    if (!entry) throw new Error(`The journal names a container ${line.c} that is not declared`);
    if (line.d) entry.items.set(keyOf(line.k, line.id), line.d);
    else entry.items.delete(keyOf(line.k, line.id));
  }
  return {
    format: 'equipmansys-local-snapshot',
    version: 1,
    takenAt: new Date().toISOString(),
    database: snapshot?.database ?? options.database,
    journalNext: options.journalNext,
    containers: [...containers.values()].map(({ definition, items }): ContainerSnapshot => ({
      id: definition.id,
      partitionKey: definition.partitionKey,
      ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
      items: [...items.values()],
    })),
  };
}

/** Appends to the current segment with one write per request, so a kill never splits a request's lines. */
export class JournalWriter {
  private descriptor: number | undefined;
  private written = 0;

  constructor(
    private readonly dataDir: string,
    private current: number,
  ) {}

  get segment(): number {
    return this.current;
  }

  /** Bytes in the current segment. */
  get bytes(): number {
    return this.written;
  }

  append(lines: readonly JournalLine[]): void {
    if (lines.length === 0) return;
    const buffer = Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    // Opened on the first line only, so a start that changes nothing leaves no empty segment behind.
    this.descriptor ??= openSync(segmentPath(this.dataDir, this.current), 'a', 0o600);
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(this.descriptor, buffer, offset);
    this.written += buffer.length;
  }

  /** Closes the current segment and starts the next; answers the closed segment's number. */
  rotate(): number {
    this.close();
    this.written = 0;
    return this.current++;
  }

  close(): void {
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
  }
}
