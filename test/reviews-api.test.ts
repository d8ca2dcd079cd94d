import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { labDigest } from '../shared/notifications/digest.js';
import { renderDigestEmail } from '../shared/notifications/messages.js';
import type { VerificationPage } from '../shared/schemas/audit-verification.js';
import type { CompanyAccessPreview, Review, ReviewList, ReviewPreview } from '../shared/schemas/reviews.js';
import type { ApiClient } from './helpers/api-client.js';
import { newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;

const lab = 'REVLAB';
const userPassword = 'a first password 123';
const today = () => new Date().toISOString().slice(0, 10);

async function auditEntriesOfLab(): Promise<number> {
  let count = 0;
  for (const name of ['labs', 'users', 'equipment', 'records'] as const) {
    const { resources } = await (
      await container(name)
    ).items
      .query<string>({
        query: "SELECT VALUE c.id FROM c WHERE c.type = 'audit' AND ARRAY_CONTAINS(c.labIds, @lab)",
        parameters: [{ name: '@lab', value: lab }],
      })
      .fetchAll();
    count += resources.length;
  }
  return count;
}

async function storedReviews(): Promise<number> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<string>(
      { query: "SELECT VALUE c.id FROM c WHERE c.type = 'review' AND c.labId = @lab", parameters: [{ name: '@lab', value: lab }] },
      { partitionKey: lab },
    )
    .fetchAll();
  return resources.length;
}

async function verifyLab(): Promise<VerificationPage> {
  let token: string | null = null;
  let page: VerificationPage;
  do {
    const answer = await admin.get<VerificationPage>(`/api/audit/verify?labId=${lab}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
    expect(answer.status, answer.text).toBe(200);
    page = answer.body;
    token = page.continuationToken;
  } while (token);
  return page;
}

beforeAll(async () => {
  // Every wrong password counts toward the lock, whatever device it comes from.
  product = await startTestProduct({ LOCKOUT_MODE: 'permanent' });
  admin = await product.signedIn('admin');
  expect((await admin.post('/api/labs', { labId: lab, name: 'Review lab', timeZone: 'UTC' })).status).toBe(201);
  for (const [username, role] of [
    ['revmanager', 'Manager'],
    ['revtech', 'Technician'],
    ['revnever', 'Technician'],
  ] as const) {
    const created = await admin.post('/api/users', newUserBody(username, { primaryLabId: lab, role, requirePasswordChange: false }));
    expect(created.status, created.text).toBe(201);
  }
});
afterAll(async () => product.cleanup());

describe('periodic reviews', () => {
  it('URS-120 counts what the audit trail review lists exactly as a hand count of what happened in the period, and signs it "Reviewed by"', async () => {
    // By hand: three accounts created (3 permission changes); the technician asks for the reviews (1 denied request);
    // the manager signs with a wrong password three times (3 failed sign-ins, 1 lockout), and is unlocked (1 more permission change).
    const tech = await product.signedIn('revtech', userPassword);
    expect((await tech.get(`/api/labs/${lab}/reviews`)).status).toBe(403);
    const manager = await product.signedIn('revmanager', userPassword);
    const body = { kind: 'audit-trail', from: today(), to: today(), findings: 'Nothing to act on.', signature: { password: 'not the password' } };
    expect((await manager.post(`/api/labs/${lab}/reviews`, body)).status).toBe(401);
    expect((await manager.post(`/api/labs/${lab}/reviews`, body)).status).toBe(401);
    const last = await manager.post(`/api/labs/${lab}/reviews`, body);
    expect(last.status, last.text).toBe(423);
    expect(await storedReviews()).toBe(0);
    expect((await admin.patch(`/api/users/revmanager`, { status: 'Active' })).status).toBe(200);

    const preview = await admin.get<ReviewPreview>(`/api/labs/${lab}/reviews/preview?kind=audit-trail&from=${today()}&to=${today()}`);
    expect(preview.status, preview.text).toBe(200);
    const expected = { signatures: 0, amendments: 0, failedSignIns: 3, lockouts: 1, permissionChanges: 4, overrides: 0, deniedRequests: 1 };
    expect(preview.body.figures.counts).toEqual(expected);
    const figures = preview.body.figures;
    if (figures.kind !== 'audit-trail') throw new Error('an audit trail review');
    expect(figures.entries.lockouts.map((entry) => [entry.action, entry.entityId, entry.link])).toEqual([
      ['user.locked', 'revmanager', `/audit?labId=${lab}&entityType=user&entityId=revmanager`],
    ]);
    expect(figures.entries.deniedRequests[0]).toMatchObject({ action: 'access.denied', actor: 'Pat Person' });

    const signed = await admin.post<Review>(`/api/labs/${lab}/reviews`, { ...body, signature: { password: demoPassword } });
    expect(signed.status, signed.text).toBe(201);
    expect(signed.body).toMatchObject({
      reviewNumber: `${lab}-REV-000001`,
      findings: 'Nothing to act on.',
      signature: { meaning: 'Reviewed by', username: 'admin' },
    });
    expect(signed.body.figures.counts).toEqual(expected);

    // The signed review is itself a signature the next review counts.
    const next = await admin.get<ReviewPreview>(`/api/labs/${lab}/reviews/preview?kind=audit-trail&from=${today()}&to=${today()}`);
    expect(next.body.figures.counts).toMatchObject({ ...expected, signatures: 1 });
  });

  it('URS-121 a refused review writes nothing: no review, no audit entry', async () => {
    const before = await auditEntriesOfLab();
    const missingFindings = await admin.post(`/api/labs/${lab}/reviews`, {
      kind: 'audit-trail',
      from: today(),
      to: today(),
      signature: { password: demoPassword },
    });
    expect(missingFindings.status).toBe(400);
    expect(missingFindings.text).toContain('Findings');
    const backwards = await admin.post(`/api/labs/${lab}/reviews`, {
      kind: 'audit-trail',
      from: '2026-02-01',
      to: '2026-01-01',
      findings: 'x',
      signature: { password: demoPassword },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.text).toContain('must not be before From');
    expect(await auditEntriesOfLab()).toBe(before);
    expect(await storedReviews()).toBe(1);
  });

  it('URS-122 the user access review lists who holds which role, dormant and never-used accounts', async () => {
    const preview = await admin.get<ReviewPreview>(`/api/labs/${lab}/reviews/preview?kind=user-access&from=${today()}&to=${today()}`);
    expect(preview.status, preview.text).toBe(200);
    const figures = preview.body.figures;
    if (figures.kind !== 'user-access') throw new Error('a user access review');
    expect(figures.accounts.map((account) => [account.username, account.role, account.neverUsed, account.dormant])).toEqual([
      ['revmanager', 'Manager', false, false],
      ['revnever', 'Technician', true, false],
      ['revtech', 'Technician', false, false],
    ]);
    expect(figures.counts).toMatchObject({ accounts: 3, byRole: { Manager: 1, Technician: 2 }, neverUsed: 1, dormant: 0 });
    expect(figures.dormantAfterDays).toBe(90);
  });

  it('URS-163 the company-wide access review lists the Administrator and Global Audit accounts no lab review shows, the reviewer among them', async () => {
    const created = await admin.post('/api/users', newUserBody('revglobal', { primaryLabId: lab, role: 'Global Audit', requirePasswordChange: false }));
    expect(created.status, created.text).toBe(201);
    const auditor = await product.signedIn('auditor');
    const preview = await auditor.get<CompanyAccessPreview>('/api/reviews/company-access/preview');
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.reviewer).toBe('auditor');
    const accounts = preview.body.figures.accounts;
    expect(accounts.find((account) => account.username === 'auditor')).toMatchObject({ role: 'Global Audit', neverUsed: false, dormant: false });
    expect(accounts.find((account) => account.username === 'admin')).toMatchObject({ role: 'Administrator', neverUsed: false });
    expect(accounts.find((account) => account.username === 'revglobal')).toMatchObject({ role: 'Global Audit', neverUsed: true, status: 'Active' });
    expect(accounts.every((account) => account.role === 'Administrator' || account.role === 'Global Audit')).toBe(true);
    expect(preview.body.figures.counts.accounts).toBe(accounts.length);
    // The lab's own review leaves them out: a Manager of the lab may not see company-wide accounts.
    const labReview = await admin.get<ReviewPreview>(`/api/labs/${lab}/reviews/preview?kind=user-access&from=${today()}&to=${today()}`);
    if (labReview.body.figures.kind !== 'user-access') throw new Error('a user access review');
    expect(labReview.body.figures.accounts.map((account) => account.username)).not.toContain('revglobal');
    const manager = await product.signedIn('manager1');
    const refused = await manager.get<{ detail: string }>('/api/reviews/company-access/preview');
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toBe('Only an Administrator or Global Audit reviews the company-wide accounts.');
  });

  it('URS-123 lists the reviews with the next one due, and GET /api/audit/verify names a review altered after signing', async () => {
    const list = await admin.get<ReviewList>(`/api/labs/${lab}/reviews`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.intervalMonths).toBe(3);
    const [year, month, day] = today().split('-').map(Number) as [number, number, number];
    const inThreeMonths = new Date(Date.UTC(year, month - 1 + 3, 1));
    const lastDay = new Date(Date.UTC(inThreeMonths.getUTCFullYear(), inThreeMonths.getUTCMonth() + 1, 0)).getUTCDate();
    const dueDay = `${inThreeMonths.toISOString().slice(0, 8)}${String(Math.min(day, lastDay)).padStart(2, '0')}`;
    expect(list.body.due).toEqual([
      { kind: 'audit-trail', lastReviewNumber: `${lab}-REV-000001`, lastPeriodTo: today(), nextDue: dueDay, due: false },
      { kind: 'user-access', lastReviewNumber: null, lastPeriodTo: null, nextDue: today(), due: true },
    ]);
    expect(list.body.items.map((review) => review.reviewNumber)).toEqual([`${lab}-REV-000001`]);
    // The lab's morning digest names the review due, and only that one.
    const digest = (await labDigest(lab, new Date()))!;
    expect(digest.reviewsDue.map((due) => due.kind)).toEqual(['user-access']);
    const email = renderDigestEmail(digest, 'https://equipman.example', 'Rita', 'https://equipman.example/unsubscribe');
    expect(email.plainText).toContain('Periodic reviews due');
    expect(email.plainText).toContain('User access review due now: none signed yet');
    // Started without a period, a review covers what the last one of its kind left, up to today.
    const started = await admin.get<ReviewPreview>(`/api/labs/${lab}/reviews/preview?kind=user-access`);
    expect(started.status, started.text).toBe(200);
    const threeMonthsBack = new Date(Date.UTC(year, month - 1 - 3, 1));
    const lastDayBack = new Date(Date.UTC(threeMonthsBack.getUTCFullYear(), threeMonthsBack.getUTCMonth() + 1, 0)).getUTCDate();
    const dayAfter = new Date(Date.UTC(threeMonthsBack.getUTCFullYear(), threeMonthsBack.getUTCMonth(), Math.min(day, lastDayBack) + 1))
      .toISOString()
      .slice(0, 10);
    expect([started.body.from, started.body.to]).toEqual([dayAfter, today()]);
    expect((await admin.get(`/api/labs/${lab}/reviews/${lab}-REV-000001`)).status).toBe(200);
    expect((await admin.get(`/api/labs/${lab}/reviews/${lab}-REV-000009`)).status).toBe(404);

    expect((await verifyLab()).intact).toBe(true);
    const labs = await container('labs');
    const { resource } = await labs.item(`review-${lab}-REV-000001`, lab).read<Review>();
    await labs.item(`review-${lab}-REV-000001`, lab).replace({ ...resource!, findings: 'Edited afterwards.' });
    const verified = await verifyLab();
    expect(verified.intact).toBe(false);
    expect(verified.firstBroken).toMatchObject({ recordNumber: `${lab}-REV-000001`, reason: 'the review does not match its "Reviewed by" signature' });
  });
});
