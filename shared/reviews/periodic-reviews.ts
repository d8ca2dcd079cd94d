import type { Principal } from '../auth/principal.js';
import { actorOf } from '../auth/principal.js';
import { auditPage, chainContainers, mayConcern, type AuditFilter, type ChainContainer } from '../data/audit-repository.js';
import { readLab } from '../data/labs-repository.js';
import { listReviews, readReview, reviewDocumentId, storeReview, type ReviewDocument } from '../data/reviews-repository.js';
import { listUsers, type UserDocument } from '../data/users-repository.js';
import type { AuditEntry } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { addDays, nextDueDate } from '../domain/calibration-rules.js';
import { labNumber } from '../domain/lab-numbers.js';
import { parseDay, startOfDay } from '../domain/periods.js';
import { labsWhere } from '../domain/permissions.js';
import { contentHash } from '../domain/record-hash.js';
import { auditTrailFigures, userAccessFigures } from '../domain/review-figures.js';
import { labTimeZone, labToday } from '../labs/lab-today.js';
import { settings } from '../platform/config.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { forbidden, notFound } from '../platform/problems.js';
import type { Signature } from '../schemas/records.js';
import {
  reviewKinds,
  reviewKindWords,
  type Review,
  type CompanyAccessPreview,
  type ReviewDue,
  type ReviewFigures,
  type ReviewKind,
  type ReviewList,
  type ReviewPeriod,
  type ReviewPreview,
  type ReviewPreviewQuery,
  type SignReview,
} from '../schemas/reviews.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock, type SignerBlock } from '../signing/signer-block.js';

/**
 * Periodic reviews (SPEC §16): the figures of a lab's audit trail or user access over a period, and
 * the reviewer's signed findings. Whoever may read a lab's audit trail may review it: Administrators
 * and Global Audit everywhere, Managers and Local Audit at their own labs. The reviewer reads and
 * signs; nothing about the lab's data changes, so the auditors' read-only roles sign reviews too.
 */

export function assertMayReview(principal: Principal, labId: string): void {
  const readable = labsWhere(principal, 'audit', 'read');
  if (readable === 'all' || readable.includes(labId)) return;
  throw forbidden(readable.length === 0 ? 'Your role does not give access to periodic reviews.' : `You cannot see or sign the periodic reviews of ${labId}.`);
}

async function existingLab(labId: string): Promise<void> {
  if (!(await readLab(labId))) throw notFound(`There is no lab ${labId}.`);
}

/** Every audit entry concerning the lab between two instants, from every container that may hold one. */
async function auditEntriesOf(labId: string, from: string, to: string): Promise<AuditEntry[]> {
  const filter: AuditFilter = { labIds: [labId], from, to };
  const sources = (Object.keys(chainContainers) as ChainContainer[]).filter((source) => mayConcern(source, filter));
  const all: AuditEntry[] = [];
  for (const source of sources) {
    let token: string | undefined;
    do {
      const page = await auditPage(source, filter, 500, token);
      all.push(...page.items);
      token = page.continuationToken ?? undefined;
    } while (token);
  }
  return all;
}

/** A lab's own accounts, or with `'company'` the company-wide ones (Administrator, Global Audit), disabled ones included. */
async function accountsOf(scope: string | 'company'): Promise<UserDocument[]> {
  const users: UserDocument[] = [];
  let token: string | undefined;
  do {
    const page = await listUsers({
      labIds: scope === 'company' ? 'all' : [scope],
      includeCompanyUsers: scope === 'company',
      includeDisabled: true,
      pageSize: 500,
      continuationToken: token,
    });
    users.push(...(scope === 'company' ? page.users.filter((user) => user.companyRole) : page.users));
    token = page.continuationToken ?? undefined;
  } while (token);
  return users;
}

/** The figures of a review of the period's lab-local days, `from` to `to` inclusive, as they stand `now`. */
async function figuresOf(labId: string, period: ReviewPeriod, now: Date): Promise<ReviewFigures> {
  if (period.kind === 'user-access') return userAccessFigures(labId, await accountsOf(labId), now, settings().DORMANT_ACCOUNT_DAYS);
  const timeZone = await labTimeZone(labId);
  const from = startOfDay(parseDay(period.from), timeZone).toISOString();
  const to = new Date(startOfDay(parseDay(period.to) + 1, timeZone).getTime() - 1).toISOString();
  return auditTrailFigures(labId, await auditEntriesOf(labId, from, to));
}

/** The period asked for, or the one due: from the day after the last period of the kind (else the interval back) to today. */
async function periodOf(labId: string, query: ReviewPreviewQuery, now: Date): Promise<ReviewPeriod> {
  const to = query.to ?? (await labToday(labId, now));
  if (query.from) return { kind: query.kind, from: query.from, to };
  const last = (await listReviews(labId)).filter((review) => review.kind === query.kind).sort((a, b) => (a.to < b.to ? 1 : -1))[0];
  const from = last ? addDays(last.to, 1) : addDays(nextDueDate(to, { months: -settings().REVIEW_INTERVAL_MONTHS }), 1);
  return { kind: query.kind, from: from <= to ? from : to, to };
}

export async function previewReview(labId: string, query: ReviewPreviewQuery, now = new Date()): Promise<ReviewPreview> {
  await existingLab(labId);
  const period = await periodOf(labId, query, now);
  return { labId, ...period, figures: await figuresOf(labId, period, now) };
}

/** What the "Reviewed by" signature covers: the review as stored, but for the signature's hash. */
function reviewHash(review: Omit<Review, 'signature'>, signer: SignerBlock): string {
  return contentHash({ ...review, signer });
}

function reviewView(document: ReviewDocument): Review {
  const { id: _id, type: _type, ...review } = document;
  return Object.fromEntries(Object.entries(review).filter(([key]) => !key.startsWith('_'))) as Review;
}

/** Whether a stored review still matches its signature: `GET /api/audit/verify` asks this of every review. */
export function reviewSignatureProblem(document: ReviewDocument): string | null {
  const { signature, ...rest } = reviewView(document);
  const { contentHash: signed, ...signer } = signature;
  return reviewHash(rest, signer) === signed ? null : 'the review does not match its "Reviewed by" signature';
}

/**
 * Signs a review: the figures are counted again at signing, so what is signed is what the period
 * holds, and the password is checked (counting toward lockout) before anything is written.
 */
export async function signReview(
  principal: Principal,
  labId: string,
  input: SignReview,
  facts: RequestOrigin,
  confirm: ConfirmSigner = confirmSigner,
  now = () => new Date(),
): Promise<Review> {
  await existingLab(labId);
  const method = await confirm(principal, input.signature.password, facts, 'signature on a periodic review');
  const signedAt = now();
  const figures = await figuresOf(labId, input, signedAt);
  const stored = await storeReview(labId, (sequence) => {
    const reviewNumber = labNumber('review', labId, sequence);
    const unsigned: Omit<Review, 'signature'> = { labId, reviewNumber, kind: input.kind, from: input.from, to: input.to, figures, findings: input.findings };
    const signer = signerBlock(principal, input.signature.meaning, method, signedAt.toISOString());
    const signature: Signature = { ...signer, contentHash: reviewHash(unsigned, signer) };
    const review: ReviewDocument = { id: reviewDocumentId(reviewNumber), type: 'review', ...unsigned, signature };
    const event = auditEvent('review.signed', { kind: 'review', reviewNumber, labId }, actorOf(principal), facts, {
      reason: input.findings,
      after: { kind: input.kind, from: input.from, to: input.to, counts: figures.counts, signature },
    });
    return { review, events: [event] };
  });
  if (!stored) throw notFound(`There is no lab ${labId}.`);
  return reviewView(stored);
}

/** When each kind of review is next due at the lab: the last period's end plus the interval, or today before the first review. */
export function reviewsDueOf(reviews: readonly Pick<Review, 'kind' | 'reviewNumber' | 'to'>[], today: string, intervalMonths: number): ReviewDue[] {
  return reviewKinds.map((kind) => {
    const last = reviews.filter((review) => review.kind === kind).sort((a, b) => (a.to < b.to ? 1 : a.to > b.to ? -1 : 0))[0];
    const nextDue = last ? nextDueDate(last.to, { months: intervalMonths }) : today;
    return { kind, lastReviewNumber: last?.reviewNumber ?? null, lastPeriodTo: last?.to ?? null, nextDue, due: nextDue <= today };
  });
}

export async function reviewsDue(labId: string, now = new Date()): Promise<ReviewDue[]> {
  return reviewsDueOf(await listReviews(labId), await labToday(labId, now), settings().REVIEW_INTERVAL_MONTHS);
}

export async function reviewList(labId: string, now = new Date()): Promise<ReviewList> {
  await existingLab(labId);
  const reviews = await listReviews(labId);
  const intervalMonths = settings().REVIEW_INTERVAL_MONTHS;
  return { labId, intervalMonths, due: reviewsDueOf(reviews, await labToday(labId, now), intervalMonths), items: reviews.map(reviewView) };
}

export async function reviewOf(labId: string, reviewNumber: string): Promise<Review> {
  const review = await readReview(labId, reviewNumber);
  if (!review) throw notFound(`There is no review ${reviewNumber} at ${labId}.`);
  return reviewView(review);
}

/**
 * Company-wide accounts hold access to every lab, so no lab's review lists them (a Manager may not
 * see them): whoever reads the whole company's audit trail reviews them, an Administrator or Global
 * Audit. Reviewers hold such an account themselves and are listed among them, never left out.
 */
export function assertMayReviewCompany(principal: Principal): void {
  if (labsWhere(principal, 'audit', 'read') !== 'all') throw forbidden('Only an Administrator or Global Audit reviews the company-wide accounts.');
}

/** Who holds the company-wide roles as it stands `now`: each account's last sign-in, dormant or never used. */
export async function previewCompanyAccess(principal: Principal, now = new Date()): Promise<CompanyAccessPreview> {
  const figures = userAccessFigures('', await accountsOf('company'), now, settings().DORMANT_ACCOUNT_DAYS);
  return { asOf: now.toISOString(), reviewer: principal.username, figures };
}

/** "Audit trail review due since 2026-03-31": a line for the digest and the landing page. */
export function dueLine(due: ReviewDue): string {
  return `${reviewKindWords[due.kind as ReviewKind]} due ${due.lastReviewNumber ? `since ${due.nextDue}` : 'now: none signed yet'}`;
}
