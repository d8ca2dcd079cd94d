import { actorOf, type Principal } from '../auth/principal.js';
import { RateLimiter } from '../auth/rate-limit.js';
import { writeWithAudit, stripSystemProperties } from '../data/audited-write.js';
import { readModelRecently } from '../data/catalog-repository.js';
import { readEquipmentChainHead, readSerialClaim, type EquipmentDocument } from '../data/equipment-repository.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import {
  listProblemReports,
  problemReportId,
  problemReportOperation,
  readProblemReport,
  type ProblemReportDocument,
} from '../data/problem-report-repository.js';
import type { AuditActor } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { isRetired } from '../domain/equipment-status.js';
import { labNumber } from '../domain/lab-numbers.js';
import { can } from '../domain/permissions.js';
import { reportKeyMatches } from '../domain/report-keys.js';
import { changeMachine, findEquipment, inEquipmentTurn } from '../equipment/machine-changes.js';
import type { Facts } from '../equipment/manage-equipment.js';
import { settings } from '../platform/config.js';
import { badRequest, conflict, forbidden, notFound, payloadTooLarge } from '../platform/problems.js';
import type { MachineForReport, ProblemReport, ProblemReportInput } from '../schemas/problem-reports.js';
import { problemPhotoMaxBytes } from '../schemas/problem-reports.js';
import { fileTypeOf, storeVerifiedFile } from '../storage/verified-files.js';
import { nonconformityView } from './nonconformities.js';
import { afterOpening, openingWrite, type OpeningWrite } from './opening.js';
import type { Nonconformity } from '../schemas/nonconformities.js';

/**
 * Problems reported at the machine by someone without an account (SPEC §15): the label's QR code
 * carries the machine's report key; the report lands in the lab's request inbox, where a Technician or
 * Manager turns it into a nonconformity or closes it with a reason.
 */

const perAddress = () =>
  new RateLimiter('problem-reports-per-address', () => settings().PROBLEM_REPORTS_PER_ADDRESS, settings().PROBLEM_REPORTS_WINDOW_SECONDS, false);
const perMachine = () =>
  new RateLimiter('problem-reports-per-machine', () => settings().PROBLEM_REPORTS_PER_MACHINE, settings().PROBLEM_REPORTS_WINDOW_SECONDS, false);

/** One answer for an unknown machine, a retired one, a missing key and a wrong key: the address reveals nothing. */
const noSuchLabel = () => notFound('This label does not take problem reports. Tell the lab in person, or ask them for a new label.');

/** Who reported, as audit entries and the inbox name them: never a user of the product. */
function reporterActor(input: { reporterName?: string | null | undefined }): AuditActor {
  return { username: 'at-the-machine', displayName: input.reporterName ? `${input.reporterName} (no account)` : 'Someone at the machine (no account)' };
}

/** The machine the key opens, or the one 404 whatever was wrong. */
async function machineForKey(serialNumber: string, key: string | undefined): Promise<EquipmentDocument> {
  const claim = await readSerialClaim(serialNumber);
  if (!claim) throw noSuchLabel();
  const found = await findEquipment(claim.document.labId, serialNumber).catch(() => null);
  const machine = found?.document;
  if (!machine || isRetired(machine.status) || !reportKeyMatches(machine.reportKey, key)) throw noSuchLabel();
  return machine;
}

/** What the page a label opens shows someone not signed in: the machine's serial number and model, nothing of its state. */
export async function machineForReport(serialNumber: string, key: string | undefined): Promise<MachineForReport> {
  const machine = await machineForKey(serialNumber, key);
  const model = await readModelRecently(machine.modelId);
  return { serialNumber: machine.serialNumber, manufacturer: model?.document.manufacturer ?? '', modelId: machine.modelId };
}

function photoBytes(photo: NonNullable<ProblemReportInput['photo']>): Buffer {
  const bytes = Buffer.from(photo.data, 'base64');
  if (bytes.length > problemPhotoMaxBytes) throw payloadTooLarge(`The photo is larger than ${problemPhotoMaxBytes / 1024} KB; send a smaller one.`);
  const type = fileTypeOf(bytes);
  if (!type || type.contentType !== photo.contentType) throw badRequest('The photo is not a JPEG or PNG image; take the photo again or leave it out.');
  return bytes;
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

export function problemReportView(document: ProblemReportDocument): ProblemReport {
  const { id: _id, type: _type, serialKey: _key, photo, ...view } = stripSystemProperties(document);
  return { ...view, photo: photo ? { contentType: photo.contentType, size: photo.size, sha256: photo.sha256 } : null };
}

/**
 * Takes a report from someone at the machine: counted against their address before the key is looked
 * at (so guessing keys is slow), then against the machine. The report, its number and its audit entry
 * are one write in the lab's partition; the reporter's words are kept exactly as received.
 */
export async function receiveProblemReport(
  serialNumber: string,
  key: string | undefined,
  input: ProblemReportInput,
  facts: NonNullable<Facts>,
  receivedAt = new Date(),
): Promise<{ reportNumber: string; receivedAt: string }> {
  await perAddress().take(facts.clientAddress ?? 'unknown');
  const machine = await machineForKey(serialNumber, key);
  await perMachine().take(machine.serialKey);
  const photo = input.photo ? photoBytes(input.photo) : null;
  const labId = machine.labId;
  const stored = photo ? await storeVerifiedFile(once(photo), `${labId}/requests`, { labId, serialNumber: machine.serialNumber }, 'The photo') : null;
  const actor = reporterActor(input);
  const document = await inEquipmentTurn(labId, `Problem report on ${machine.serialNumber}`, async () => {
    const head = await readEquipmentChainHead(labId);
    const sequence = (head.document.problemReports ?? 0) + 1;
    const reportNumber = labNumber('request', labId, sequence);
    const report: ProblemReportDocument = {
      id: problemReportId(reportNumber),
      type: 'problem-report',
      reportNumber,
      labId,
      serialNumber: machine.serialNumber,
      serialKey: machine.serialKey,
      modelId: machine.modelId,
      description: input.description,
      reporterName: input.reporterName ?? null,
      reporterContact: input.reporterContact ?? null,
      photo: stored
        ? {
            fileName: `${reportNumber}-photo.${stored.type.extension}`,
            contentType: stored.type.contentType,
            size: stored.size,
            sha256: stored.sha256,
            blobName: stored.blobName,
            contentMd5: stored.contentMd5,
            ...(stored.versionId ? { versionId: stored.versionId } : {}),
          }
        : null,
      receivedAt: receivedAt.toISOString(),
      status: 'New',
      ncNumber: null,
      closedReason: null,
      triagedBy: null,
      triagedAt: null,
    };
    await writeWithAudit({
      container: 'equipment',
      partition: ['labId', labId],
      owner: { ...head.document, problemReports: sequence },
      ownerEtag: head.etag,
      alongside: [problemReportOperation(report)],
      events: [
        auditEvent('problem-report.received', { kind: 'problem-report', reportNumber, labId }, actor, facts, {
          after: {
            reportNumber,
            serialNumber: report.serialNumber,
            description: report.description,
            reporterName: report.reporterName,
            reporterContact: report.reporterContact,
            photoSha256: report.photo?.sha256 ?? null,
          },
        }),
      ],
    });
    return report;
  });
  return { reportNumber: document.reportNumber, receivedAt: document.receivedAt };
}

export function assertMayReadRequests(principal: Principal, labId: string): void {
  if (!can(principal, 'nonconformities', 'read', labId)) throw forbidden(`Your role does not give access to the requests of ${labId}.`);
}

export function assertMayTriageRequests(principal: Principal, labId: string): void {
  if (!can(principal, 'nonconformities', 'complete', labId))
    throw forbidden(`Only a technician or manager of ${labId} can turn a request into a nonconformity or close it.`);
}

export async function requestsPage(labId: string, query: { status?: ProblemReport['status'] | undefined; continuationToken?: string | undefined }) {
  const page = await listProblemReports({ labId, status: query.status, pageSize: 100, continuationToken: query.continuationToken }).catch(
    invalidTokenAsBadRequest,
  );
  return { items: page.items.map(problemReportView), continuationToken: page.continuationToken };
}

async function requestOf(labId: string, reportNumber: string) {
  const found = reportNumber.startsWith(`${labId}-`) ? await readProblemReport(labId, reportNumber) : null;
  if (!found) throw notFound(`There is no request ${reportNumber} at ${labId}.`);
  return found;
}

const alreadyTriaged = (report: ProblemReportDocument) =>
  conflict(
    report.status === 'Closed'
      ? `Request ${report.reportNumber} was already closed by ${report.triagedBy?.displayName} on ${report.triagedAt?.slice(0, 10)}.`
      : `Request ${report.reportNumber} was already turned into nonconformity ${report.ncNumber} by ${report.triagedBy?.displayName}.`,
  );

export async function requestFor(labId: string, reportNumber: string): Promise<ProblemReport> {
  return problemReportView((await requestOf(labId, reportNumber)).document);
}

/**
 * Turns a new request into a nonconformity through the one opening path: the machine is quarantined,
 * the nonconformity names the request and carries its photo, and the request says which nonconformity
 * it became, all in one batch. Two people triaging at once: one wins, the other gets 409.
 */
export async function requestToNonconformity(
  principal: Principal,
  labId: string,
  reportNumber: string,
  facts: Facts,
  triagedAt = new Date(),
): Promise<Nonconformity> {
  const first = await requestOf(labId, reportNumber);
  let written: OpeningWrite | undefined;
  const actor = actorOf(principal);
  const nc = await changeMachine(labId, first.document.serialNumber, async (machine, head) => {
    written = undefined;
    const { document: report, etag } = await requestOf(labId, reportNumber);
    if (report.status !== 'New') throw alreadyTriaged(report);
    const opening = await openingWrite(
      machine,
      head,
      {
        finding: { source: 'reported', calibrationNumber: null, performedOn: null, recordNumber: null, foundAt: report.receivedAt },
        description: report.description,
        marker: null,
        actor,
        request: {
          reportNumber,
          photo: report.photo ? { ...report.photo, certificateId: '1', uploadedAt: report.receivedAt, uploadedBy: reporterActor(report) } : null,
        },
      },
      facts,
      triagedAt,
    );
    written = opening;
    const at = triagedAt.toISOString();
    const triaged: ProblemReportDocument = { ...report, status: 'Nonconformity', ncNumber: opening.nc.ncNumber, triagedBy: actor, triagedAt: at };
    return {
      write: {
        next: opening.machine,
        head: opening.head,
        alongside: [...opening.operations, problemReportOperation(triaged, etag)],
        events: [
          ...opening.events,
          auditEvent('problem-report.nonconformity', { kind: 'problem-report', reportNumber, labId }, actor, facts, {
            before: { status: report.status },
            after: { status: triaged.status, ncNumber: triaged.ncNumber },
          }),
        ],
      },
      answer: opening.nc,
    };
  });
  if (written) await afterOpening(written);
  return nonconformityView(nc);
}

/** Closes a new request with the reason no nonconformity is needed; audited, the reporter's words kept. */
export async function closeRequest(principal: Principal, labId: string, reportNumber: string, reason: string, facts: Facts): Promise<ProblemReport> {
  const actor = actorOf(principal);
  const closed = await inEquipmentTurn(labId, `Request ${reportNumber}`, async () => {
    const [{ document: report, etag }, head] = await Promise.all([requestOf(labId, reportNumber), readEquipmentChainHead(labId)]);
    if (report.status !== 'New') throw alreadyTriaged(report);
    const next: ProblemReportDocument = { ...report, status: 'Closed', closedReason: reason, triagedBy: actor, triagedAt: new Date().toISOString() };
    await writeWithAudit({
      container: 'equipment',
      partition: ['labId', labId],
      owner: head.document,
      ownerEtag: head.etag,
      alongside: [problemReportOperation(next, etag)],
      events: [
        auditEvent('problem-report.closed', { kind: 'problem-report', reportNumber, labId }, actor, facts, {
          reason,
          before: { status: report.status },
          after: { status: next.status },
        }),
      ],
    });
    return next;
  });
  return problemReportView(closed);
}
