import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { readGeneratorStatuses, updateGeneratorStatus } from '../data/generator-status-repository.js';
import { listLabs } from '../data/labs-repository.js';
import { settings } from '../platform/config.js';
import { measureCosmos, type CosmosUsage } from '../platform/operation-context.js';
import { badRequest, notFound } from '../platform/problems.js';
import { trackProductEvent } from '../platform/telemetry.js';
import type { QueueDelivery } from '../platform/registry.js';
import { labIdSchema } from '../schemas/common.js';
import { notificationHealth, type NotificationHealth } from '../notifications/notification-runs.js';
import type { LabRunSummary } from '../records/generate-records.js';
import { generateLab } from './lab-run.js';

/** One message per lab: the timer and the admin endpoint fan out, a queue trigger generates one lab. */
export const generatorQueue = 'generate-lab';
/** Where the Functions host moves a message after its last failed delivery. */
export const generatorPoisonQueue = `${generatorQueue}-poison`;

export const labRunMessageSchema = z.object({
  runId: z.string().min(1),
  labId: labIdSchema,
  /** Set when an administrator asked for a run as of a date; otherwise the run is as of its processing. */
  asOf: z.iso.datetime().optional(),
});
export type LabRunMessage = z.infer<typeof labRunMessageSchema>;

/** The messages of one run: every active lab, or the one asked for. */
export async function planRun(
  request: { labId?: string | undefined; date?: string | undefined },
  now: Date,
): Promise<{ runId: string; messages: LabRunMessage[] }> {
  const runId = randomUUID();
  const asOf = request.date ? asOfDate(request.date, now) : undefined;
  const labs = (await listLabs()).filter((lab) => lab.active && (!request.labId || lab.labId === request.labId));
  if (request.labId && labs.length === 0) throw notFound(`There is no active lab ${request.labId}.`);
  return { runId, messages: labs.map((lab) => ({ runId, labId: lab.labId, ...(asOf ? { asOf } : {}) })) };
}

/**
 * The minute past each hour at which a scheduled run queues a lab: stable for a lab (FNV-1a of its
 * id), spread evenly over GENERATOR_SPREAD_MINUTES, so 1,000 labs in one time zone do not all write
 * their next day in the same minute.
 */
export function labMinute(labId: string, spreadMinutes: number): number {
  let hash = 0x811c9dc5;
  for (const character of labId) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193) >>> 0;
  return hash % spreadMinutes;
}

/** What a firing of the schedule queues: every active lab whose minute this is. */
export async function planScheduledRun(now: Date): Promise<{ runId: string; messages: LabRunMessage[] }> {
  const spread = settings().GENERATOR_SPREAD_MINUTES;
  const runId = randomUUID();
  const labs = (await listLabs()).filter((lab) => lab.active && labMinute(lab.labId, spread) === now.getUTCMinutes() % spread);
  return { runId, messages: labs.map((lab) => ({ runId, labId: lab.labId })) };
}

/**
 * A past date runs as of its last moment; today runs as of now; the future cannot be generated, nor
 * a date that does not exist (2026-02-30 is not 2 March), nor one further back than the backfill
 * limit (BACKFILL_DAYS): records older than that were never owed by a run.
 */
function asOfDate(date: string, now: Date): string {
  const endOfDate = Date.parse(`${date}T23:59:59.999Z`);
  if (Number.isNaN(endOfDate) || !new Date(endOfDate).toISOString().startsWith(date)) {
    throw badRequest(`${date} is not a date that exists.`, [{ field: 'date', message: 'must be a date that exists, as YYYY-MM-DD' }]);
  }
  if (Date.parse(`${date}T00:00:00Z`) > now.getTime())
    throw badRequest('Records cannot be generated for a future date.', [{ field: 'date', message: 'must be today or earlier' }]);
  const backfillDays = settings().BACKFILL_DAYS;
  if (endOfDate < now.getTime() - (backfillDays + 1) * 86_400_000) {
    throw badRequest(`Records can be generated as of at most ${backfillDays} days back (the backfill limit); ${date} is further back.`, [
      { field: 'date', message: `must be within the last ${backfillDays} days` },
    ]);
  }
  return new Date(Math.min(endOfDate, now.getTime())).toISOString();
}

function summaryOf(summary: LabRunSummary): Record<string, unknown> {
  const { labId: _labId, runId: _runId, generatedThrough: _generatedThrough, ...figures } = summary;
  return figures;
}

function reportRun(message: LabRunMessage, summary: LabRunSummary, usage: CosmosUsage, durationMs: number): void {
  const { labId, runId } = message;
  trackProductEvent(
    'GeneratorRun',
    { labId, runId },
    {
      recordsCreated: summary.created,
      backfilled: summary.backfilled,
      missedMarked: summary.missed,
      cancelled: summary.cancelled,
      reopened: summary.reopened,
      batches: summary.batches,
      cosmosRequests: usage.requests,
      requestCharge: usage.requestCharge,
      durationMs,
    },
  );
  for (const [frequency, count] of Object.entries(summary.missedByFrequency)) trackProductEvent('PmRecordsMissed', { labId, frequency }, { count });
}

/** Generates one lab for a queue message, keeping the lab's generator status; a failure is thrown on for the host to retry. */
export async function runLabFromQueue(message: LabRunMessage, delivery: QueueDelivery): Promise<LabRunSummary> {
  const startedAt = new Date();
  const { result: outcome, usage } = await measureCosmos(async () => {
    try {
      const summary = await generateLab(message.labId, message.asOf ? new Date(message.asOf) : startedAt, message.runId);
      await updateGeneratorStatus(message.labId, {
        lastRunId: message.runId,
        lastRunAt: startedAt.toISOString(),
        lastSuccessAt: new Date().toISOString(),
        lastSummary: summaryOf(summary),
        poisoned: null,
        ...(summary.skipped ? {} : { generatedThrough: summary.generatedThrough }),
      });
      return { ok: true as const, summary };
    } catch (error) {
      await updateGeneratorStatus(message.labId, {
        lastRunId: message.runId,
        lastRunAt: startedAt.toISOString(),
        lastFailure: { at: new Date().toISOString(), runId: message.runId, error: (error as Error).message, attempt: delivery.dequeueCount },
      }).catch(() => undefined);
      return { ok: false as const, error };
    }
  });
  const durationMs = Date.now() - startedAt.getTime();
  if (outcome.ok) {
    reportRun(message, outcome.summary, usage, durationMs);
    return outcome.summary;
  }
  trackProductEvent(
    'GeneratorRunFailed',
    { labId: message.labId, runId: message.runId, reason: String((outcome.error as Error)?.message ?? outcome.error) },
    { attempt: delivery.dequeueCount, cosmosRequests: usage.requests, requestCharge: usage.requestCharge, durationMs },
  );
  throw outcome.error;
}

/** A message that reached the poison queue: the lab shows as failed until a run succeeds. */
export async function recordPoisoned(message: LabRunMessage): Promise<void> {
  trackProductEvent('GeneratorMessagePoisoned', { labId: message.labId, runId: message.runId }, {});
  await updateGeneratorStatus(message.labId, { poisoned: { at: new Date().toISOString(), runId: message.runId } });
}

export interface GeneratorHealth {
  labs: {
    labId: string;
    name: string;
    active: boolean;
    lastRunId: string | null;
    lastRunAt: string | null;
    lastSuccessAt: string | null;
    lastSummary: Record<string, unknown> | null;
    lastFailure: { at: string; runId: string; error: string; attempt: number } | null;
    failed: boolean;
    poisoned: { at: string; runId: string } | null;
  }[];
  failingLabs: string[];
  poisonMessages: number;
  /** The reminders' deliveries: each lab's digest of today, and messages that failed. */
  notifications: NotificationHealth;
}

export async function generatorHealth(): Promise<GeneratorHealth> {
  const [labs, statuses, notifications] = await Promise.all([listLabs(), readGeneratorStatuses(), notificationHealth()]);
  const byLab = new Map(statuses.map((status) => [status.labId, status]));
  const rows = labs.map((lab) => {
    const status = byLab.get(lab.labId);
    const lastFailure = status?.lastFailure ?? null;
    const failedSinceSuccess = lastFailure !== null && (!status?.lastSuccessAt || lastFailure.at > status.lastSuccessAt);
    return {
      labId: lab.labId,
      name: lab.name,
      active: lab.active,
      lastRunId: status?.lastRunId ?? null,
      lastRunAt: status?.lastRunAt ?? null,
      lastSuccessAt: status?.lastSuccessAt ?? null,
      lastSummary: status?.lastSummary ?? null,
      lastFailure,
      failed: failedSinceSuccess || Boolean(status?.poisoned),
      poisoned: status?.poisoned ?? null,
    };
  });
  return {
    labs: rows,
    failingLabs: rows.filter((row) => row.failed).map((row) => row.labId),
    poisonMessages: rows.filter((row) => row.poisoned).length,
    notifications,
  };
}

/**
 * Every active lab, one after another, without the queue: the local host's run at start. A lab that
 * fails is left for the schedule and shows in the generator's health; the others go on.
 */
export async function runEveryLabNow(now: Date, log: (line: string) => void): Promise<void> {
  const runId = `start-${now.toISOString()}`;
  for (const lab of await listLabs()) {
    if (!lab.active) continue;
    await runLabFromQueue({ runId, labId: lab.labId }, { messageId: runId, dequeueCount: 1 }).catch((error: unknown) =>
      log(`The generator failed at ${lab.labId} on start: ${String(error)}`),
    );
  }
}

/**
 * Brings the records of labs up to date after their equipment changed (status, transfer), so Open
 * records of a machine that left service are Cancelled at once rather than at the next scheduled run.
 * A failure is kept in the generator's health and mended by the next run; the change itself stands.
 */
export async function reconcileLabs(labIds: readonly string[], cause: string): Promise<void> {
  const runId = `${cause}-${randomUUID()}`;
  for (const labId of labIds) await runLabFromQueue({ runId, labId }, { messageId: runId, dequeueCount: 1 }).catch(() => undefined);
}
