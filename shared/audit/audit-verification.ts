import { z } from 'zod';
import { signToken, verifyToken } from '../auth/session-tokens.js';
import { calibrationSignatureProblem } from '../calibration/calibrations.js';
import { intervalDecisionProblem } from '../calibration/interval-review.js';
import { intermediateCheckProblem } from '../calibration/intermediate-checks.js';
import type { ChainContainer } from '../data/audit-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import type { NonconformityDocument } from '../data/nonconformity-repository.js';
import { counterId, type RecordDocument } from '../data/records-repository.js';
import {
  calibrationsAfter,
  chainEntriesAfter,
  chainHead,
  recordMentions,
  recordsAfter,
  reviewsAfter,
  signedEquipmentAfter,
  usernamesOfLab,
  type RecordMention,
} from '../data/verification-repository.js';
import { firstBrokenLink, genesisHash } from '../domain/audit-chain.js';
import { contentHash } from '../domain/record-hash.js';
import { nonconformitySignatureProblem } from '../nonconformities/nonconformities.js';
import { returnToServiceProblem } from '../nonconformities/return-to-service.js';
import { badRequest } from '../platform/problems.js';
import { reviewSignatureProblem } from '../reviews/periodic-reviews.js';
import { signedContentHash, verificationHash } from '../records/manage-records.js';
import { currentResponses } from '../records/record-rules.js';
import {
  defaultVerificationPageSize,
  type BrokenLink,
  type EvidenceProblem,
  type VerificationPage,
  type VerificationQuery,
} from '../schemas/audit-verification.js';
import { attachmentFiles, calibrationFiles, checkEvidence, type EvidenceCheck } from '../storage/evidence-check.js';

/**
 * Verification of a lab in pages (SPEC §5, §13): the lab's chains (the lab, its equipment, its records,
 * the accounts of its people), then its calibration events, its signed nonconformities and returns to
 * service, then its signed periodic reviews, then every record against the trail and its signatures. With the calibration events and
 * the nonconformities it checks their evidence in storage (each certificate version and attachment
 * still there with its recorded SHA-256), naming every file that is not. Each request checks at most
 * `pageSize` documents and hands the place where it stopped, with the last verified hash of the chain
 * it was in, to the next one in a signed token: a client can neither skip a part nor claim a hash.
 */

/** Steps (queries) one request takes at most, so a lab of many small chains stays bounded too. */
const maxStepsPerPage = 50;
/** A verification is one sitting: its token lapses after an hour. */
const tokenLifetimeMs = 60 * 60_000;

const chainPlace = z.object({
  step: z.literal('chain'),
  source: z.enum(['labs', 'equipment', 'records', 'users']),
  partition: z.string(),
  afterSeq: z.number().int().min(0),
  prevHash: z.string(),
});
const place = z.discriminatedUnion('step', [
  chainPlace,
  z.object({ step: z.literal('calibrations'), after: z.string() }),
  z.object({ step: z.literal('signed'), after: z.string() }),
  z.object({ step: z.literal('reviews'), after: z.string() }),
  z.object({ step: z.literal('records'), after: z.string() }),
  z.object({ step: z.literal('done') }),
]);
type Place = z.infer<typeof place>;
type ChainPlace = z.infer<typeof chainPlace>;
const tokenState = z.object({
  verifiedAt: z.string(),
  place,
  /** Evidence files earlier pages found missing or altered: the last page is intact only if none were. */
  evidenceProblems: z.number().int().min(0).default(0),
});

const invalidToken = () =>
  badRequest('The continuation token is not one this verification gave out, or it has lapsed; start the verification again from the first page.', [
    { field: 'continuationToken', message: 'is not a valid verification token' },
  ]);

async function readToken(labId: string, token: string): Promise<z.infer<typeof tokenState>> {
  const claims = await verifyToken('audit-verification', token);
  if (!claims || claims.sub !== labId || typeof claims.state !== 'string') throw invalidToken();
  try {
    return tokenState.parse(JSON.parse(claims.state));
  } catch {
    throw invalidToken();
  }
}

function writeToken(labId: string, state: z.infer<typeof tokenState>, now: Date): Promise<string> {
  return signToken('audit-verification', { state: JSON.stringify(state) }, labId, new Date(now.getTime() + tokenLifetimeMs));
}

function startOfChain(source: ChainPlace['source'], partition: string): ChainPlace {
  return { step: 'chain', source, partition, afterSeq: 0, prevHash: genesisHash };
}

/** The chain after this one, in the order labs, equipment, records, then each account by username. */
async function placeAfterChain(labId: string, done: ChainPlace, usernames: () => Promise<string[]>): Promise<Place> {
  if (done.source === 'labs') return startOfChain('equipment', labId);
  if (done.source === 'equipment') return startOfChain('records', labId);
  const after = done.source === 'users' ? done.partition : '';
  const next = (await usernames()).find((username) => username > after);
  return next === undefined ? { step: 'calibrations', after: '' } : startOfChain('users', next);
}

function ownerOf(source: ChainPlace['source'], partition: string): string {
  return { labs: partition, equipment: '~chain', records: counterId, users: partition }[source];
}

interface StepResult {
  next: Place;
  read: number;
  broken?: BrokenLink;
  chainEntries?: number;
  recordsChecked?: number;
  evidence?: EvidenceCheck;
}

/**
 * One slice of a chain. The owner's head is read first, so an entry appended while we read is simply
 * after the point verified, never mistaken for a missing one.
 */
async function chainStep(labId: string, at: ChainPlace, limit: number, usernames: () => Promise<string[]>): Promise<StepResult> {
  const owner = ownerOf(at.source, at.partition);
  const head = await chainHead(at.source, at.partition, owner);
  const read = await chainEntriesAfter(at.source, at.partition, at.afterSeq, limit);
  const headSeq = head?.seq ?? 0;
  const entries = head ? read.filter((entry) => entry.seq <= headSeq) : read;
  const where = { source: at.source as ChainContainer, partition: at.partition };
  const link = firstBrokenLink(entries, { seq: at.afterSeq, hash: at.prevHash });
  if (link) return { next: { step: 'done' }, read: read.length, chainEntries: entries.length, broken: { ...where, seq: link.seq, reason: link.reason } };
  const last = entries.at(-1) ?? { seq: at.afterSeq, hash: at.prevHash };
  if (read.length === limit && entries.length === read.length && last.seq < headSeq) {
    return { next: { ...at, afterSeq: last.seq, prevHash: last.hash }, read: read.length, chainEntries: entries.length };
  }
  // Everything up to the head has been read: the chain must end exactly where its owner says.
  if (headSeq !== last.seq || (head && head.hash !== last.hash)) {
    const reason = `the chain ends at entry ${last.seq} but its head says ${headSeq}: entries are missing`;
    return { next: { step: 'done' }, read: read.length, chainEntries: entries.length, broken: { ...where, seq: last.seq + 1, reason } };
  }
  return { next: await placeAfterChain(labId, at, usernames), read: read.length, chainEntries: entries.length };
}

/** A slice of documents in key order, each checked by `problem`; the first problem ends the verification. */
async function documentStep<T>(
  documents: readonly T[],
  limit: number,
  keyOf: (document: T) => string,
  problem: (document: T) => Omit<BrokenLink, 'partition'> | null,
  labId: string,
  continueAt: (after: string) => Place,
  then: Place,
): Promise<StepResult> {
  for (const document of documents) {
    const found = problem(document);
    if (found) return { next: { step: 'done' }, read: documents.length, broken: { ...found, partition: labId } };
  }
  const last = documents.at(-1);
  return { next: documents.length === limit && last ? continueAt(keyOf(last)) : then, read: documents.length };
}

function recordProblem(record: RecordDocument, expected: string | undefined): string | null {
  if (expected === undefined) return 'the record has no entry in the audit trail';
  if (contentHash(record) !== expected) return 'the record does not match the audit trail: it was changed outside the product';
  if (record.signature && signedContentHash(record, record.responses, record.signature) !== record.signature.contentHash) {
    return 'the completion signature does not match the record as signed';
  }
  for (const amendment of record.amendments) {
    const amended = currentResponses({ responses: record.responses, amendments: record.amendments.slice(0, amendment.number) });
    if (
      signedContentHash(record, amended, amendment.signature, { amendment: amendment.number, reason: amendment.reason }) !== amendment.signature.contentHash
    ) {
      return `the signature of amendment ${amendment.number} does not match the record as amended`;
    }
  }
  if (record.verification && verificationHash(record, record.verification) !== record.verification.contentHash) {
    return 'the verification signature does not match the record as verified';
  }
  const justification = record.justification;
  if (justification?.signature) {
    const signed = signedContentHash(record, currentResponses(record), justification.signature, { justification: justification.reason });
    if (signed !== justification.signature.contentHash) return 'the signature of the justification does not match the record as justified';
  }
  return null;
}

/** The hash the records chain last wrote down for each record: the latest entry wins. */
function latestHashes(mentions: readonly RecordMention[]): Map<string, string> {
  const latest = new Map<string, RecordMention>();
  for (const mention of mentions) {
    const known = latest.get(mention.recordNumber);
    if (!known || mention.seq > known.seq || (mention.seq === known.seq && mention.order > known.order)) latest.set(mention.recordNumber, mention);
  }
  return new Map([...latest].map(([recordNumber, mention]) => [recordNumber, mention.hash]));
}

async function step(labId: string, at: Exclude<Place, { step: 'done' }>, limit: number, usernames: () => Promise<string[]>): Promise<StepResult> {
  switch (at.step) {
    case 'chain':
      return chainStep(labId, at, limit, usernames);
    case 'calibrations': {
      // Calibration signatures (SPEC §9) are checked like record signatures: an altered event shows.
      const events = await calibrationsAfter(labId, at.after, limit);
      const evidence = await checkEvidence(calibrationFiles(events));
      const result = await documentStep(
        events,
        limit,
        (event) => event.calibrationNumber,
        (event) => {
          const reason = calibrationSignatureProblem(event);
          return reason ? { source: 'equipment', recordNumber: event.calibrationNumber, reason } : null;
        },
        labId,
        (after) => ({ step: 'calibrations', after }),
        { step: 'signed', after: '' },
      );
      return { ...result, evidence };
    }
    case 'signed': {
      // Dispositions, closures (SPEC §10), returns to service, interval review decisions and intermediate checks are signed too.
      const documents = await signedEquipmentAfter(labId, at.after, limit);
      const evidence = await checkEvidence(attachmentFiles(documents));
      const result = await documentStep(
        documents,
        limit,
        (document) => document.id,
        (document) => {
          const nonconformity = document.type === 'nonconformity';
          const reason = nonconformity
            ? nonconformitySignatureProblem(document as NonconformityDocument)
            : (returnToServiceProblem(document as EquipmentDocument) ??
              intervalDecisionProblem(document as EquipmentDocument) ??
              intermediateCheckProblem(document as EquipmentDocument));
          const name = nonconformity ? (document as NonconformityDocument).ncNumber : (document as EquipmentDocument).serialNumber;
          return reason ? { source: 'equipment', recordNumber: name, reason } : null;
        },
        labId,
        (after) => ({ step: 'signed', after }),
        { step: 'reviews', after: '' },
      );
      return { ...result, evidence };
    }
    case 'reviews': {
      // Periodic reviews (SPEC §16) are signed "Reviewed by" over their figures and findings.
      const reviews = await reviewsAfter(labId, at.after, limit);
      return documentStep(
        reviews,
        limit,
        (review) => review.reviewNumber,
        (review) => {
          const reason = reviewSignatureProblem(review);
          return reason ? { source: 'labs', recordNumber: review.reviewNumber, reason } : null;
        },
        labId,
        (after) => ({ step: 'reviews', after }),
        { step: 'records', after: '' },
      );
    }
    case 'records': {
      const records = await recordsAfter(labId, at.after, limit);
      const hashes = latestHashes(
        await recordMentions(
          labId,
          records.map((record) => record.recordNumber),
        ),
      );
      const result = await documentStep(
        records,
        limit,
        (record) => record.recordNumber,
        (record) => {
          const reason = recordProblem(record, hashes.get(record.recordNumber));
          return reason ? { source: 'records', recordNumber: record.recordNumber, reason } : null;
        },
        labId,
        (after) => ({ step: 'records', after }),
        { step: 'done' },
      );
      const checked = result.broken ? records.findIndex((record) => record.recordNumber === result.broken!.recordNumber) + 1 : records.length;
      return { ...result, recordsChecked: checked };
    }
  }
}

/**
 * One page of a lab's verification: from the start, or from where the token's page stopped. The page
 * ends after `pageSize` documents, at a broken link, or when everything has been checked.
 */
export async function verifyLabPage(query: VerificationQuery, now = new Date()): Promise<VerificationPage> {
  const { labId } = query;
  const pageSize = query.pageSize ?? defaultVerificationPageSize;
  const state = query.continuationToken
    ? await readToken(labId, query.continuationToken)
    : { verifiedAt: now.toISOString(), place: startOfChain('labs', labId) as Place, evidenceProblems: 0 };
  let at = state.place;
  let budget = pageSize;
  let recordsChecked = 0;
  let broken: BrokenLink | null = null;
  let evidenceChecked = 0;
  const evidenceProblems: EvidenceProblem[] = [];
  const chains: VerificationPage['chains'] = [];
  // The lab's accounts are listed once per page, however many of their chains the page walks.
  let listed: Promise<string[]> | undefined;
  const usernames = () => (listed ??= usernamesOfLab(labId));
  for (let steps = 0; at.step !== 'done' && budget > 0 && steps < maxStepsPerPage && !broken; steps++) {
    const result = await step(labId, at, budget, usernames);
    if (at.step === 'chain') {
      const { source, partition } = at;
      const counted = chains.find((chain) => chain.source === source && chain.partition === partition);
      if (counted) counted.entries += result.chainEntries ?? 0;
      else chains.push({ source, partition, entries: result.chainEntries ?? 0 });
    }
    recordsChecked += result.recordsChecked ?? 0;
    evidenceChecked += result.evidence?.checked ?? 0;
    evidenceProblems.push(...(result.evidence?.problems ?? []));
    broken = result.broken ?? null;
    // A step that read nothing still moved on to the next part; it costs one of the page's steps.
    budget -= result.read;
    at = result.next;
  }
  const finished = at.step === 'done';
  const problemsSoFar = state.evidenceProblems + evidenceProblems.length;
  return {
    labId,
    verifiedAt: state.verifiedAt,
    intact: broken ? false : finished ? problemsSoFar === 0 : null,
    chains,
    recordsChecked,
    firstBroken: broken,
    evidenceChecked,
    evidenceProblems,
    continuationToken: finished ? null : await writeToken(labId, { verifiedAt: state.verifiedAt, place: at, evidenceProblems: problemsSoFar }, now),
  };
}
