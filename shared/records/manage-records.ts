import type { AuditAction } from '../domain/audit-actions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { DocumentChanged, DocumentExists } from '../data/errors.js';
import { TooMuchContention } from '../platform/store-failures.js';
import { inTurn } from '../data/turns.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import {
  emptyCounter,
  findRecord,
  findRecordWithCounter,
  listDashboard,
  listRecords,
  writeRecords,
  type Amendment,
  type DashboardRow,
  type RecordCounter,
  type RecordDocument,
} from '../data/records-repository.js';
import { readEquipment, serialKey } from '../data/equipment-repository.js';
import type { Versioned } from '../data/versioned.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import { can } from '../domain/permissions.js';
import { contentHash } from '../domain/record-hash.js';
import { settings } from '../platform/config.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { trackProductEvent } from '../platform/telemetry.js';
import { badRequest, conflict, forbidden, notFound, preconditionFailed } from '../platform/problems.js';
import { afterChange } from '../equipment/after-change.js';
import { labMachinesWorthShowing } from '../equipment/lab-fitness.js';
import type { DashboardPage } from '../schemas/dashboard.js';
import {
  type AmendRecord,
  type CompleteRecord,
  type DashboardQuery,
  type JustifyRecord,
  type VerifyRecord,
  type ListRecordsQuery,
  type PmRecord,
  type RecordSummary,
  type Response,
  type Signature,
} from '../schemas/records.js';
import { checkResponses, completableUntil, currentResponses, foundFault, whyNotCompletable } from './record-rules.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock } from '../signing/signer-block.js';
import { auditEvent } from '../domain/audit-entries.js';
import { assertTaskReadingsTakeable, takeTaskReadings } from '../meters/task-readings.js';

export function recordView(document: RecordDocument): PmRecord {
  const current = currentResponses(document);
  const until = completableUntil(document, settings().LATE_COMPLETION_DAYS);
  return {
    recordNumber: document.recordNumber,
    labId: document.labId,
    serialNumber: document.serialNumber,
    modelId: document.modelId,
    modelVersion: document.modelVersion,
    frequency: document.frequency,
    usage: document.usage ?? null,
    periodStart: document.periodStart,
    opensAt: document.opensAt ?? null,
    dueEnd: document.dueEnd,
    status: document.status,
    late: document.late,
    tasks: document.tasks,
    responses: document.responses,
    currentResponses: current,
    outOfRangeCount: current.filter((response) => response.outOfRange).length,
    completedBy: document.completedBy,
    completedAt: document.completedAt,
    signature: document.signature,
    needsVerification: document.needsVerification === true,
    verification: document.verification ?? null,
    amendments: document.amendments,
    missedAt: document.missedAt,
    cancelledAt: document.cancelledAt,
    cancelReason: document.cancelReason,
    justification: document.justification,
    completableUntil: until ? until.toISOString() : null,
    createdAt: document.createdAt,
  };
}

export function assertMayReadRecords(principal: Principal, labId: string): void {
  if (!can(principal, 'records', 'read', labId)) throw forbidden(`Your role does not give access to the records of ${labId}.`);
}

export function assertMayCompleteRecords(principal: Principal, labId: string): void {
  if (!can(principal, 'records', 'complete', labId)) throw forbidden(`Your role does not allow completing records of ${labId}.`);
}

export function assertMayCorrectRecords(principal: Principal, labId: string): void {
  if (!can(principal, 'records', 'write', labId)) throw forbidden(`Only a manager of ${labId} or an administrator can amend records or justify missed ones.`);
}

export async function listLabRecords(labId: string, query: ListRecordsQuery): Promise<{ items: PmRecord[]; continuationToken: string | null }> {
  const page = await listRecords({
    labId,
    statuses: query.status,
    frequency: query.frequency,
    serialKey: query.serialNumber ? serialKey(query.serialNumber) : undefined,
    from: query.from,
    to: query.to,
    pageSize: query.pageSize ?? 100,
    continuationToken: query.continuationToken,
  }).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(recordView), continuationToken: page.continuationToken };
}

/**
 * The dashboard of a lab in one call (up to 1,000 rows a page): what is open, and what may still be
 * done late; beside it, the intermediate checks due today or overdue.
 */
export async function labDashboard(labId: string, query: DashboardQuery): Promise<DashboardPage> {
  const lateDays = settings().LATE_COMPLETION_DAYS;
  const missedSince = new Date(Date.now() - lateDays * 86_400_000).toISOString();
  const [page, { fitness, intermediateChecksDue }] = await Promise.all([
    listDashboard(labId, missedSince, query.pageSize ?? 1000, query.continuationToken).catch(invalidTokenAsBadRequest),
    labMachinesWorthShowing(labId),
  ]);
  // Hundreds of rows, each read just now for this answer: completed in place rather than copied. Rows
  // of one period share their due time, so each distinct one is turned into a deadline once.
  // A quarantined machine offers no checklist to start (SPEC §10): its page says why.
  const quarantined = (serialNumber: string) =>
    fitness.get(serialNumber)?.reasons.some((reason) => reason === 'open nonconformity' || reason === 'awaiting return to service') ?? false;
  const items = (page.items as (DashboardRow & Partial<RecordSummary>)[]).filter((row) => !quarantined(row.serialNumber));
  const deadlines = new Map<string, string | null>();
  for (const row of items) {
    const key = `${row.status} ${row.dueEnd}`;
    let deadline = deadlines.get(key);
    if (deadline === undefined) deadlines.set(key, (deadline = completableUntil(row, lateDays)?.toISOString() ?? null));
    row.completableUntil = deadline;
    const machine = fitness.get(row.serialNumber);
    if (machine) row.fitness = machine;
  }
  return { items: items as RecordSummary[], continuationToken: page.continuationToken, intermediateChecksDue };
}

export async function findLabRecord(labId: string, recordNumber: string): Promise<Versioned<RecordDocument>> {
  const found = recordNumber.startsWith(labId) ? await findRecord(labId, recordNumber) : null;
  if (!found) throw notFound(`There is no record ${recordNumber} at ${labId}.`);
  return found;
}

/** A record about to change, with the lab's counter as it was read beside it. */
interface RecordForChange {
  record: Versioned<RecordDocument>;
  counter: Versioned<RecordCounter> | null;
  /** When it was read (performance.now()), to tell whether this process wrote the counter since. */
  readAt: number;
}

async function findRecordForChange(labId: string, recordNumber: string): Promise<RecordForChange> {
  const readAt = performance.now();
  const found = recordNumber.startsWith(labId) ? await findRecordWithCounter(labId, recordNumber) : null;
  if (!found?.record) throw notFound(`There is no record ${recordNumber} at ${labId}.`);
  return { record: found.record, counter: found.counter, readAt };
}

/**
 * The counter of each lab as this process last wrote it. A change read before the signer's password
 * was checked finds, once its turn comes, that the signatures queued ahead of it moved the counter;
 * starting from the counter they left saves reading it again. The ETag still refuses it when anyone
 * else wrote since, and the change then reads again.
 */
const countersWritten = new Map<string, { counter: Versioned<RecordCounter>; at: number }>();

function newestCounter(labId: string, found: RecordForChange): RecordForChange {
  const written = countersWritten.get(labId);
  return written && written.at > found.readAt ? { ...found, counter: written.counter } : found;
}

type Facts = RequestOrigin;

function recordEvent(action: AuditAction, record: RecordDocument, principal: Principal, facts: Facts, extra: Partial<AuditEvent>): AuditEvent {
  return auditEvent(action, { kind: 'record', recordNumber: record.recordNumber, labId: record.labId }, actorOf(principal), facts, {
    ...extra,
    after: { ...(extra.after as object), recordHash: contentHash(record) },
  });
}

/** What a signature signs: the record's identity, its tasks and responses, the signer, meaning and time. */
export function signedContentHash(
  record: RecordDocument,
  responses: Response[],
  signature: Omit<Signature, 'contentHash'> & { contentHash?: string },
  extra: object = {},
): string {
  const { recordNumber, labId, serialNumber, modelId, modelVersion, frequency, periodStart, tasks } = record;
  const { contentHash: _signedHash, ...signer } = signature;
  return contentHash({ recordNumber, labId, serialNumber, modelId, modelVersion, frequency, periodStart, tasks, responses, ...signer, ...extra });
}

/**
 * What the verifier signed: the record as it stood then, with the amendments made before it (later
 * amendments do not change what was verified).
 */
export function verificationHash(record: RecordDocument, signature: Omit<Signature, 'contentHash'> & { contentHash?: string }): string {
  const amendments = record.amendments.filter((amendment) => amendment.signature.signedAt <= signature.signedAt);
  return signedContentHash(record, currentResponses({ responses: record.responses, amendments }), signature, {
    verification: true,
    amendments: amendments.length,
  });
}

/**
 * Writes one record change beside the lab's counter and the audit entry, in one batch, on the ETags
 * of the record and counter that were read with it. When another change in the lab moved the counter
 * first it reads both again and tries again; when the record itself changed, `recheck` decides on the
 * fresh copy (e.g. someone completed it first: 409).
 */
async function writeRecordChange(
  labId: string,
  found: RecordForChange,
  change: (record: RecordDocument) => { next: RecordDocument; event: AuditEvent },
  recheck: (record: RecordDocument) => void,
): Promise<RecordDocument> {
  return inTurn(`records:${labId}`, async () => {
    let current = newestCounter(labId, found);
    for (let attempt = 1; ; attempt++) {
      const { record, counter } = current;
      const { next, event } = change(record.document);
      try {
        const written = await writeRecords(counter?.document ?? emptyCounter(labId), counter?.etag, [{ document: next, etag: record.etag }], [event]);
        countersWritten.set(labId, { counter: { document: written.counter, etag: written.counterEtag }, at: performance.now() });
        return next;
      } catch (error) {
        if (!(error instanceof DocumentChanged || error instanceof DocumentExists)) throw error;
        if (attempt >= maximumWriteAttempts) throw new TooMuchContention(`The record list of ${labId} is being changed by others; try again`);
        // The first time, what was read may simply be older than writes of this process queued ahead of
        // it: read again at once. After that another instance is writing too: wait a growing while.
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** attempt));
        const fresh = await findRecordForChange(labId, record.document.recordNumber);
        if (fresh.record.etag !== record.etag) recheck(fresh.record.document);
        current = fresh;
      }
    }
  });
}

const maximumWriteAttempts = 10;

/**
 * What completion and amendment share before anything is written: the record exists and may take the
 * change, the caller saw its current version, the responses fit its tasks, and the signer is confirmed.
 */
async function beginSignedChange(
  principal: Principal,
  labId: string,
  recordNumber: string,
  check: (record: RecordDocument) => void,
  ifMatch: string | null,
  input: { responses: CompleteRecord['responses']; signature: { password?: string | undefined; meaning: string } },
  partial: boolean,
  facts: Facts,
  confirm: ConfirmSigner,
  /** A further reason to refuse that needs another read, asked before the signer's password is checked. */
  precheck: (record: RecordDocument) => Promise<void> = async () => {},
) {
  const found = await findRecordForChange(labId, recordNumber);
  check(found.record.document);
  await precheck(found.record.document);
  assertEtag(found.record, ifMatch);
  const responses = assertResponses(found.record.document, input.responses, partial);
  const method = await confirm(principal, input.signature.password, facts, partial ? 'signature on amendment' : 'signature on completion');
  const signatureAt = (signedAt: string) => signerBlock(principal, input.signature.meaning, method, signedAt);
  return { found, responses, signatureAt };
}

function assertResponses(record: RecordDocument, inputs: CompleteRecord['responses'], partial: boolean): Response[] {
  const { responses, errors } = checkResponses(record.tasks, inputs, partial);
  if (errors.length > 0) throw badRequest(`The responses are not complete or not valid: ${errors.map((error) => error.message).join('; ')}`, errors);
  return responses;
}

function assertEtag(found: Versioned<RecordDocument>, ifMatch: string | null): void {
  if (ifMatch && ifMatch !== found.etag && ifMatch !== '*') {
    throw preconditionFailed(`${found.document.recordNumber} changed since you opened it; open it again.`);
  }
}

/** A quarantined machine takes no checklist until a signed return to service: it is not fit to work on. */
async function assertMachineNotQuarantined(record: RecordDocument): Promise<void> {
  if (record.status !== 'Open' && record.status !== 'Missed') return;
  const held = (await readEquipment(record.labId, record.serialNumber))?.document.quarantine;
  if (held) {
    throw conflict(
      `${record.serialNumber} is quarantined by nonconformity ${held.ncNumbers.join(', ')}: no checklist is completed on it until a manager returns it to service.`,
    );
  }
}

/** `confirm` checks who signs; the demo seed, having checked the demo password once, passes its own. */
export async function completeRecord(
  principal: Principal,
  labId: string,
  recordNumber: string,
  input: CompleteRecord,
  facts: Facts,
  ifMatch: string | null,
  confirm: ConfirmSigner = confirmSigner,
): Promise<PmRecord> {
  const lateDays = settings().LATE_COMPLETION_DAYS;
  let completedBefore: RecordDocument | undefined;
  const refusal = (record: RecordDocument) => {
    const why = whyNotCompletable(record, new Date(), lateDays);
    if (!why) return;
    if (record.status === 'Completed') completedBefore = record;
    throw conflict(why);
  };
  const { found, responses, signatureAt } = await beginSignedChange(
    principal,
    labId,
    recordNumber,
    refusal,
    ifMatch,
    input,
    false,
    facts,
    confirm,
    async (record) => {
      await assertMachineNotQuarantined(record);
      await assertTaskReadingsTakeable(record, input.responses);
    },
  ).catch(async (error: unknown) => {
    // A retry of a completion makes sure what followed it was done (its nonconformity opened, its
    // meter readings taken), then answers as before.
    if (completedBefore) {
      const completer = completedBefore.completedBy ?? actorOf(principal);
      if (foundFault(completedBefore)) await afterChange().faultFound(completedBefore, completer, facts);
      await takeTaskReadings(completedBefore, completer, facts);
    }
    throw error;
  });
  const written = await writeRecordChange(
    labId,
    found,
    (record) => {
      const signedAt = new Date().toISOString();
      const unsigned = signatureAt(signedAt);
      const next: RecordDocument = {
        ...record,
        status: 'Completed',
        late: record.status === 'Missed' || Date.parse(record.dueEnd) < Date.parse(signedAt),
        responses,
        completedBy: actorOf(principal),
        completedAt: signedAt,
        signature: { ...unsigned, contentHash: signedContentHash(record, responses, unsigned) },
      };
      return {
        next,
        event: recordEvent('record.completed', next, principal, facts, {
          before: { status: record.status },
          after: { status: 'Completed', late: next.late, responses, signature: next.signature },
        }),
      };
    },
    refusal,
  );
  trackProductEvent('PmRecordCompleted', { labId, frequency: written.frequency, late: String(written.late) }, {});
  if (foundFault(written)) await afterChange().faultFound(written, actorOf(principal), facts);
  // The record is signed first and its readings follow from it: a crash between leaves them to the retry above.
  await takeTaskReadings(written, actorOf(principal), facts);
  return recordView(written);
}

export async function amendRecord(
  principal: Principal,
  labId: string,
  recordNumber: string,
  input: AmendRecord,
  facts: Facts,
  ifMatch: string | null,
): Promise<PmRecord> {
  const mustBeCompleted = (record: RecordDocument) => {
    if (record.status !== 'Completed') throw conflict(`${record.recordNumber} is ${record.status}; only completed records are amended.`);
  };
  const {
    found,
    responses: corrected,
    signatureAt,
  } = await beginSignedChange(principal, labId, recordNumber, mustBeCompleted, ifMatch, input, true, facts, confirmSigner);
  const written = await writeRecordChange(
    labId,
    found,
    (record) => {
      const before = new Map(currentResponses(record).map((response) => [response.taskId, response]));
      const changes = corrected
        .filter((after) => JSON.stringify(before.get(after.taskId)) !== JSON.stringify(after))
        .map((after) => ({ taskId: after.taskId, before: before.get(after.taskId)!, after }));
      if (changes.length === 0) throw badRequest('The amendment changes nothing: every response sent equals the current one.');
      const unsigned = signatureAt(new Date().toISOString());
      const number = record.amendments.length + 1;
      const amended = currentResponses({ responses: record.responses, amendments: [...record.amendments, { changes } as Amendment] });
      const amendment: Amendment = {
        number,
        reason: input.reason,
        changes,
        signature: { ...unsigned, contentHash: signedContentHash(record, amended, unsigned, { amendment: number, reason: input.reason }) },
      };
      const next: RecordDocument = { ...record, amendments: [...record.amendments, amendment] };
      return { next, event: recordEvent('record.amended', next, principal, facts, { reason: input.reason, after: { amendment } }) };
    },
    mustBeCompleted,
  );
  return recordView(written);
}

/**
 * The second signature (21 CFR Part 11 §11.50 meaning "Verified by"): by someone other than who
 * performed it, on the record as it stands, amendments included. Until then the record is completed
 * but does not count as done for compliance.
 */
export async function verifyRecord(
  principal: Principal,
  labId: string,
  recordNumber: string,
  input: VerifyRecord,
  facts: Facts,
  ifMatch: string | null,
): Promise<PmRecord> {
  const verifiable = (record: RecordDocument) => {
    if (!record.needsVerification)
      throw conflict(`${record.recordNumber} needs no verification: its model does not ask for a second signature at ${record.frequency}.`);
    if (record.status !== 'Completed') throw conflict(`${record.recordNumber} is ${record.status}; only a completed record is verified.`);
    if (record.verification) throw conflict(`${record.recordNumber} was already verified by ${record.verification.displayName}.`);
    if (record.completedBy?.username === principal.username) {
      throw conflict(`You performed ${record.recordNumber}; its verification needs a second person.`);
    }
  };
  const found = await findRecordForChange(labId, recordNumber);
  verifiable(found.record.document);
  assertEtag(found.record, ifMatch);
  const method = await confirmSigner(principal, input.signature.password, facts, 'signature on verification');
  const written = await writeRecordChange(
    labId,
    found,
    (record) => {
      const unsigned = signerBlock(principal, input.signature.meaning, method);
      const verification = { ...unsigned, contentHash: verificationHash(record, unsigned) };
      const next: RecordDocument = { ...record, verification };
      return { next, event: recordEvent('record.verified', next, principal, facts, { after: { verification } }) };
    },
    verifiable,
  );
  return recordView(written);
}

/** A justification changes the record, so it is signed like any other change (meaning "Justified by"). */
export async function justifyMissedRecord(
  principal: Principal,
  labId: string,
  recordNumber: string,
  input: JustifyRecord,
  facts: Facts,
  confirm: ConfirmSigner = confirmSigner,
): Promise<PmRecord> {
  const found = await findRecordForChange(labId, recordNumber);
  const mustBeMissed = (record: RecordDocument) => {
    if (record.status !== 'Missed') throw conflict(`${record.recordNumber} is ${record.status}; only missed records take a justification.`);
    // A signed decision is never silently replaced (SPEC §10): the first justification stays with its signer.
    if (record.justification) {
      throw conflict(
        `${record.recordNumber} was justified by ${record.justification.by.displayName} on ${record.justification.at.slice(0, 10)}; a justification is not replaced. Amend the record to add to it.`,
      );
    }
  };
  mustBeMissed(found.record.document);
  const method = await confirm(principal, input.signature.password, facts, 'signature on justification');
  const written = await writeRecordChange(
    labId,
    found,
    (record) => {
      const at = new Date().toISOString();
      const unsigned = signerBlock(principal, input.signature.meaning, method, at);
      const signature = { ...unsigned, contentHash: signedContentHash(record, currentResponses(record), unsigned, { justification: input.reason }) };
      const justification = { reason: input.reason, by: actorOf(principal), at, signature };
      const next: RecordDocument = { ...record, justification };
      return {
        next,
        event: recordEvent('record.justified', next, principal, facts, {
          reason: input.reason,
          before: { justification: record.justification },
          after: { justification },
        }),
      };
    },
    mustBeMissed,
  );
  return recordView(written);
}
