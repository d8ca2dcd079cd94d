import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredHttpFunctions } from '../shared/platform/registry.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import type { PmRecord } from '../shared/schemas/records.js';
import type { ApiClient, ApiResponse } from './helpers/api-client.js';
import { newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';
import { labDaysAgo } from './helpers/lab-days.js';

/**
 * SPEC §3 enforced by the API: every endpoint × every role × a lab the role holds ("own") and one it
 * does not ("other"). LAB01 is own for every lab role; LAB03 belongs to nobody but company-wide roles.
 */
type Caller = 'anonymous' | 'Administrator' | 'Global Audit' | 'Manager' | 'Local Audit' | 'Technician';
type Outcome = 'allow' | 'deny' | 'hidden' | 'sign-in';
type Scope = 'own' | 'other' | 'any';

const callers: Caller[] = ['anonymous', 'Administrator', 'Global Audit', 'Manager', 'Local Audit', 'Technician'];
const usernames: Record<Exclude<Caller, 'anonymous'>, string> = {
  Administrator: 'admin',
  'Global Audit': 'auditor',
  Manager: 'manager1',
  'Local Audit': 'localaudit1',
  Technician: 'tech1',
};

interface Row {
  endpoint: string;
  scope: Scope;
  request: (client: ApiClient, caller: Caller) => Promise<ApiResponse>;
  /** Runs before each call, e.g. to put back what an allowed call removed. */
  prepare?: () => Promise<void>;
  expected: Record<Caller, Outcome>;
  /** What "allow" answers when it is not a 2xx (e.g. a validation error after the check passed). */
  allowStatus?: number;
}

const publicEverywhere = (outcome: Outcome = 'allow'): Record<Caller, Outcome> =>
  Object.fromEntries(callers.map((caller) => [caller, outcome])) as Record<Caller, Outcome>;
const matrix = (anonymous: Outcome, admin: Outcome, audit: Outcome, manager: Outcome, localAudit: Outcome, tech: Outcome): Record<Caller, Outcome> => ({
  anonymous,
  Administrator: admin,
  'Global Audit': audit,
  Manager: manager,
  'Local Audit': localAudit,
  Technician: tech,
});

let product: TestProduct;
let admin: ApiClient;
const sessions = new Map<Caller, ApiClient>();
let labCounter = 0;
let machineCounter = 0;
/** The machine the last `prepare` registered, per scope, for rows that use one up (transfers). */
const preparedMachine: Record<'own' | 'other', string> = { own: '', other: '' };
const readers = matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'deny');
/** A record of each kind per scope, chosen by `prepare` for rows that change one. */
const preparedRecord: Record<'own' | 'other', PmRecord | null> = { own: null, other: null };
const everyRecordReader = matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'allow');
const companyReaders = matrix('sign-in', 'allow', 'allow', 'deny', 'deny', 'deny');

async function recordsAt(labId: string, status: string): Promise<PmRecord[]> {
  const response = await admin.get<{ items: PmRecord[] }>(`/api/labs/${labId}/records?status=${status}&pageSize=1000`);
  expect(response.status).toBe(200);
  return response.body.items;
}

function answersFor(record: PmRecord, note?: string) {
  return record.tasks.map((task) => ({
    taskId: task.taskId,
    done: true,
    ...(task.kind === 'reading' ? { value: task.min ?? 1 } : {}),
    ...(note ? { note } : {}),
  }));
}

/** An Open record of the scope's lab, for a completion. */
async function prepareOpenRecord(scope: 'own' | 'other'): Promise<void> {
  const open = (await recordsAt(lab(scope), 'Open')).filter((record) => record.tasks.length > 0);
  expect(open.length).toBeGreaterThan(0);
  preparedRecord[scope] = open[0]!;
}

/** A Completed record of the scope's lab, completing one first where there is none. */
async function prepareCompletedRecord(scope: 'own' | 'other'): Promise<void> {
  const completed = await recordsAt(lab(scope), 'Completed');
  if (completed.length > 0) {
    preparedRecord[scope] = completed[0]!;
    return;
  }
  await prepareOpenRecord(scope);
  const record = preparedRecord[scope]!;
  const done = await admin.post<PmRecord>(`/api/labs/${lab(scope)}/records/${record.recordNumber}/complete`, {
    responses: answersFor(record),
    signature: { password: demoPassword, meaning: 'Performed by' },
  });
  expect(done.status, done.text).toBe(200);
  preparedRecord[scope] = done.body;
}

/** A Missed record not yet justified (a justification is never replaced): of LAB01, or of LAB04 for another lab (the one run two days ahead). */
async function prepareMissedRecord(scope: 'own' | 'other'): Promise<void> {
  const missed = (await recordsAt(scope === 'own' ? 'LAB01' : 'LAB04', 'Missed')).filter((record) => !record.justification);
  expect(missed.length).toBeGreaterThan(0);
  preparedRecord[scope] = missed[0]!;
}
const administratorsOnly = matrix('sign-in', 'allow', 'deny', 'deny', 'deny', 'deny');

/** A calibration of the scope's machine per scope, chosen by `prepare` for rows that read or decide one. */
const preparedCalibration: Record<'own' | 'other', string> = { own: '', other: '' };
/** Performed on the lab's today: its machine was registered today, and nothing is calibrated before it existed. */
const calibrationBody = (labId: string) => ({
  performedOn: labDaysAgo(labId, 0),
  kind: 'internal',
  asFound: [{ pointId: 'P1', value: 100 }],
  adjusted: false,
  signature: { password: demoPassword },
});

/**
 * A calibration of the scope's machine awaiting approval, signed by a technician of that lab, so that
 * nobody who approves it in the matrix signed it.
 */
async function prepareCalibration(scope: 'own' | 'other'): Promise<void> {
  const signer = await product.signedIn(target(scope), 'a first password 123');
  const recorded = await signer.post<{ calibrationNumber: string }>(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations`, {
    ...calibrationBody(lab(scope)),
    signature: { password: 'a first password 123' },
  });
  expect(recorded.status, recorded.text).toBe(201);
  preparedCalibration[scope] = recorded.body.calibrationNumber;
}

/** An approved calibration, which only an amendment can correct. */
async function prepareApprovedCalibration(scope: 'own' | 'other'): Promise<void> {
  await prepareCalibration(scope);
  const approved = await admin.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}/approval`, {
    decision: 'approve',
    signature: { password: demoPassword },
  });
  expect(approved.status, approved.text).toBe(200);
}

/** A calibration with one certificate (a fresh calibration each time, so its first certificate is 1). */
async function prepareCertificate(scope: 'own' | 'other'): Promise<void> {
  await prepareCalibration(scope);
  const uploaded = await admin.post(
    `/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}/certificates`,
    undefined,
    {
      rawBody: Buffer.from('%PDF-1.4\n%%EOF\n'),
      contentType: 'application/pdf',
    },
  );
  expect(uploaded.status, uploaded.text).toBe(201);
}

/** A nonconformity per scope with one item already disposed: what reads, dispositions, repairs and photos act on. */
const preparedNc: Record<'own' | 'other', { ncNumber: string; itemId: string } | null> = { own: null, other: null };

async function prepareNonconformity(scope: 'own' | 'other'): Promise<void> {
  if (preparedNc[scope]) return;
  const open = (await recordsAt(lab(scope), 'Open')).filter((record) => record.tasks.length > 0);
  const serialNumber = open.find((record) => open.filter((other) => other.serialNumber === record.serialNumber).length >= 2)!.serialNumber;
  const records = open.filter((record) => record.serialNumber === serialNumber);
  // Two clean completions: the later one starts the window of a fault reported now, the earlier lies in it.
  for (const record of records.slice(0, 2)) {
    const done = await admin.post(`/api/labs/${lab(scope)}/records/${record.recordNumber}/complete`, {
      responses: answersFor(record),
      signature: { password: demoPassword },
    });
    expect(done.status, done.text).toBe(200);
  }
  const nc = await admin.post<{ ncNumber: string; items: { itemId: string }[] }>(`/api/labs/${lab(scope)}/nonconformities`, {
    serialNumber,
    description: 'Matrix fault',
  });
  expect(nc.status, nc.text).toBe(201);
  const itemId = nc.body.items[0]!.itemId;
  const disposed = await admin.post(`/api/labs/${lab(scope)}/nonconformities/${nc.body.ncNumber}/dispositions`, {
    itemId,
    disposition: 'No impact',
    reason: 'Matrix',
    signature: { password: demoPassword },
  });
  expect(disposed.status, disposed.text).toBe(200);
  const photo = await admin.post(`/api/labs/${lab(scope)}/nonconformities/${nc.body.ncNumber}/attachments`, undefined, {
    rawBody: Buffer.from('%PDF-1.4\n%%EOF\n'),
    contentType: 'application/pdf',
  });
  expect(photo.status, photo.text).toBe(201);
  preparedNc[scope] = { ncNumber: nc.body.ncNumber, itemId };
}

/** A fresh machine of the scope's lab under a new nonconformity without items: one to close or return to service. */
const freshNc: Record<'own' | 'other', { serialNumber: string; ncNumber: string }> = {
  own: { serialNumber: '', ncNumber: '' },
  other: { serialNumber: '', ncNumber: '' },
};

async function prepareFreshNonconformity(scope: 'own' | 'other'): Promise<void> {
  const serialNumber = `NCM-${scope}-${++machineCounter}`;
  expect((await admin.post(`/api/labs/${lab(scope)}/equipment`, { serialNumber, modelId: 'Form 3B' })).status).toBe(201);
  const nc = await admin.post<{ ncNumber: string }>(`/api/labs/${lab(scope)}/nonconformities`, { serialNumber, description: 'Matrix fault' });
  expect(nc.status, nc.text).toBe(201);
  freshNc[scope] = { serialNumber, ncNumber: nc.body.ncNumber };
}

/** A new request from the machine per scope, sent through a fresh machine's label: what triage acts on. */
const preparedRequest: Record<'own' | 'other', string> = { own: '', other: '' };

async function labelKey(labId: string, serialNumber: string): Promise<string> {
  const sheet = await admin.get<{ items: { url: string }[] }>(`/api/labs/${labId}/labels?serials=${serialNumber}`);
  expect(sheet.status, sheet.text).toBe(200);
  return new URL(sheet.body.items[0]!.url).searchParams.get('k')!;
}

async function prepareRequest(scope: 'own' | 'other'): Promise<void> {
  const serialNumber = `REQ-${scope}-${++machineCounter}`;
  expect((await admin.post(`/api/labs/${lab(scope)}/equipment`, { serialNumber, modelId: 'Form 3B' })).status).toBe(201);
  const key = await labelKey(lab(scope), serialNumber);
  const sent = await product
    .client()
    .post<{ reportNumber: string }>(`/api/machines/${serialNumber}/problem-reports?k=${key}`, { description: 'Matrix problem' });
  expect(sent.status, sent.text).toBe(201);
  preparedRequest[scope] = sent.body.reportNumber;
}

const matrixPlan = {
  required: true,
  reason: 'Measures results we report',
  intervalMonths: 12,
  warningDays: 30,
  graceDays: 0,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [{ name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99, upperLimit: 101 }],
};

const target = (scope: Scope) => (scope === 'own' ? 'matrixown' : 'matrixother');
const lab = (scope: Scope) => (scope === 'own' ? 'LAB01' : 'LAB03');

/** The meter M1 the reading rows read and write on their lab's matrix machine: added once. */
async function matrixMeter(scope: Scope): Promise<void> {
  const meters = await admin.get<{ items: unknown[] }>(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/meters`);
  if (meters.body.items.length === 0)
    expect((await admin.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/meters`, { name: 'Matrix hours', unit: 'h' })).status).toBe(201);
}

const rows: Row[] = [
  { endpoint: 'health', scope: 'any', request: (c) => c.get('/api/health'), expected: publicEverywhere() },
  { endpoint: 'healthReady', scope: 'any', request: (c) => c.get('/api/health/ready'), expected: publicEverywhere() },
  { endpoint: 'healthVersion', scope: 'any', request: (c) => c.get('/api/health/version'), expected: publicEverywhere() },
  // The demo installation has Administrators: setup is over for everyone, and says nothing more.
  { endpoint: 'setupStatus', scope: 'any', request: (c) => c.get('/api/setup'), expected: publicEverywhere('hidden') },
  {
    endpoint: 'setupPerform',
    scope: 'any',
    request: (c) =>
      c.post('/api/setup', { token: 'a guess', lab: { labId: 'SETUP', name: 'Setup', timeZone: 'UTC' }, administrator: { microsoftUser: 'ada@contoso.com' } }),
    expected: publicEverywhere('hidden'),
  },
  {
    endpoint: 'setupBreakGlass',
    scope: 'any',
    request: (c) => c.post('/api/setup/break-glass', { token: 'a guess', username: 'admin', password: 'a guess at a password' }),
    expected: publicEverywhere('deny'),
  },
  { endpoint: 'openapi', scope: 'any', request: (c) => c.get('/api/openapi.json'), expected: publicEverywhere() },
  { endpoint: 'notFound', scope: 'any', request: (c) => c.get('/api/does-not-exist'), expected: publicEverywhere('hidden') },
  { endpoint: 'authSession', scope: 'any', request: (c) => c.get('/api/auth/session'), expected: publicEverywhere() },
  { endpoint: 'authMethods', scope: 'any', request: (c) => c.get('/api/auth/methods'), expected: publicEverywhere() },
  { endpoint: 'authPasswordRules', scope: 'any', request: (c) => c.get('/api/auth/password-rules'), expected: publicEverywhere() },
  {
    endpoint: 'authLogin',
    scope: 'any',
    // A copy of the caller's cookies, so that signing in as someone else leaves the caller's session alone.
    request: (c) => {
      const copy = product.client();
      c.cookies.forEach((value, name) => copy.cookies.set(name, value));
      copy.csrfToken = c.csrfToken;
      return copy.post('/api/auth/login', { username: 'tech2', password: demoPassword });
    },
    expected: publicEverywhere(),
  },
  // Microsoft sign-in is not configured in this test: it must answer 404 to everyone alike.
  { endpoint: 'authMicrosoftLogin', scope: 'any', request: (c) => c.get('/api/auth/microsoft/login'), expected: publicEverywhere('hidden') },
  {
    endpoint: 'authMicrosoftCallback',
    scope: 'any',
    request: (c) => c.get('/api/auth/microsoft/callback?code=x&state=y'),
    expected: publicEverywhere('hidden'),
  },
  { endpoint: 'authMe', scope: 'any', request: (c) => c.get('/api/auth/me'), expected: matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'allow') },
  {
    endpoint: 'authChangePassword',
    scope: 'any',
    // The right current password and a too-short new one: reaching validation proves the caller was let in.
    request: (c) => c.post('/api/auth/password', { currentPassword: demoPassword, newPassword: 'short' }),
    expected: matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'allow'),
    allowStatus: 400,
  },
  { endpoint: 'labsList', scope: 'any', request: (c) => c.get('/api/labs'), expected: matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'allow') },
  {
    endpoint: 'labsCreate',
    scope: 'any',
    request: (c) => c.post('/api/labs', { labId: `MX${++labCounter}`, name: 'Matrix lab' }),
    expected: matrix('sign-in', 'allow', 'deny', 'deny', 'deny', 'deny'),
  },
  { endpoint: 'equipmentClassesList', scope: 'any', request: (c) => c.get('/api/equipment-classes'), expected: readers },
  {
    endpoint: 'equipmentClassesCreate',
    scope: 'any',
    request: (c) => c.post('/api/equipment-classes', { name: `Matrix class ${++labCounter}` }),
    expected: administratorsOnly,
  },
  { endpoint: 'modelsList', scope: 'any', request: (c) => c.get('/api/models'), expected: readers },
  { endpoint: 'modelsGet', scope: 'any', request: (c) => c.get('/api/models/Form%203B'), expected: readers },
  {
    endpoint: 'modelsCreate',
    scope: 'any',
    request: (c) => c.post('/api/models', { modelId: `Matrix model ${++labCounter}`, manufacturer: 'Acme', equipmentClass: 'Mill', frequencies: {} }),
    expected: administratorsOnly,
  },
  {
    endpoint: 'modelsReplace',
    scope: 'any',
    request: async (c) => {
      const { body } = await admin.get<{ version: number }>('/api/models/Matrix%20replace');
      return c.put('/api/models/Matrix%20replace', { version: body.version, manufacturer: `Acme ${++labCounter}`, equipmentClass: 'Mill', frequencies: {} });
    },
    expected: administratorsOnly,
  },
  { endpoint: 'calibrationProviderList', scope: 'any', request: (c) => c.get('/api/calibration-providers'), expected: readers },
  // Company-wide accounts are reviewed by whoever reads the whole company's audit trail (SPEC §16).
  { endpoint: 'companyAccessReviewPreview', scope: 'any', request: (c) => c.get('/api/reviews/company-access/preview'), expected: companyReaders },
  {
    endpoint: 'calibrationProviderCreate',
    scope: 'any',
    request: (c) =>
      c.post('/api/calibration-providers', {
        name: `Matrix Provider ${++labCounter}`,
        accreditationBody: 'UKAS',
        accreditationNumber: `${labCounter}`,
        scope: 'Temperature',
        accreditationExpires: '2099-01-01',
        approved: true,
      }),
    expected: administratorsOnly,
  },
  {
    endpoint: 'calibrationProviderUpdate',
    scope: 'any',
    request: (c) => c.patch('/api/calibration-providers/matrix-metrology', { scope: `Temperature and mass ${++labCounter}` }),
    expected: administratorsOnly,
  },
  // A label's machine, found by serial alone: everyone with a role in its lab (LAB01) sees it.
  { endpoint: 'machineAtHand', scope: 'any', request: (c) => c.get('/api/machines/F3B-01-001'), expected: everyRecordReader },
  { endpoint: 'adminGenerate', scope: 'any', request: (c) => c.post('/api/admin/generate', { labId: 'LAB03' }), expected: administratorsOnly },
  { endpoint: 'adminGeneratorHealth', scope: 'any', request: (c) => c.get('/api/admin/generator'), expected: companyReaders },
  { endpoint: 'adminOutbox', scope: 'any', request: (c) => c.get('/api/admin/outbox'), expected: companyReaders },
  // Everyone chooses their own reminders, and nobody else's.
  { endpoint: 'myNotificationsRead', scope: 'any', request: (c) => c.get('/api/me/notifications'), expected: everyRecordReader },
  {
    endpoint: 'myNotificationsSave',
    scope: 'any',
    request: (c) => c.put('/api/me/notifications', { email: null, digestLabs: [], immediateNotices: true, channels: { email: true, teams: false } }),
    expected: everyRecordReader,
  },
  // The signed link is the right: anyone may present one, and a forged one is refused alike (400).
  {
    endpoint: 'notificationsUnsubscribe',
    scope: 'any',
    request: (c) => c.post('/api/notifications/unsubscribe', { token: 'not-a-signed-link' }),
    expected: publicEverywhere(),
    allowStatus: 400,
  },
  ...(['own', 'other'] as const).flatMap((scope): Row[] => [
    { endpoint: 'auditList', scope, request: (c) => c.get(`/api/audit?labId=${lab(scope)}&pageSize=5`), expected: scope === 'own' ? readers : companyReaders },
    {
      endpoint: 'reportsCompliance',
      scope,
      request: (c) => c.get(`/api/reports/compliance?labId=${lab(scope)}`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'reportsCalibration',
      scope,
      request: (c) => c.get(`/api/reports/calibration?labId=${lab(scope)}`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'reportsReliability',
      scope,
      request: (c) => c.get(`/api/reports/reliability?labId=${lab(scope)}`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    { endpoint: 'auditVerify', scope, request: (c) => c.get(`/api/audit/verify?labId=${lab(scope)}`), expected: scope === 'own' ? readers : companyReaders },
    // Whoever may read a lab's audit trail reviews it and signs the review (SPEC §16).
    { endpoint: 'reviewList', scope, request: (c) => c.get(`/api/labs/${lab(scope)}/reviews`), expected: scope === 'own' ? readers : companyReaders },
    {
      endpoint: 'reviewPreview',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/reviews/preview?kind=user-access&from=2026-01-01&to=2026-03-31`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'reviewSign',
      scope,
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/reviews`, {
          kind: 'user-access',
          from: '2026-01-01',
          to: '2026-03-31',
          findings: 'Every account is needed.',
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'reviewRead',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/reviews/${lab(scope)}-REV-000001`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'recordsList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/records?status=Open`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'recordsDashboard',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/dashboard`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'recordsGet',
      scope,
      prepare: () => prepareOpenRecord(scope),
      request: (c) => c.get(`/api/labs/${lab(scope)}/records/${preparedRecord[scope]!.recordNumber}`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'recordsComplete',
      scope,
      prepare: () => prepareOpenRecord(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/records/${preparedRecord[scope]!.recordNumber}/complete`, {
          responses: answersFor(preparedRecord[scope]!),
          signature: { password: demoPassword, meaning: 'Performed by' },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'recordsAmend',
      scope,
      prepare: () => prepareCompletedRecord(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/records/${preparedRecord[scope]!.recordNumber}/amendments`, {
          responses: answersFor(preparedRecord[scope]!, `Corrected note ${++labCounter}`).slice(0, 1),
          reason: 'Matrix correction',
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'recordsVerify',
      scope,
      prepare: () => prepareCompletedRecord(scope),
      request: (c) => c.post(`/api/labs/${lab(scope)}/records/${preparedRecord[scope]!.recordNumber}/verification`, { signature: { password: demoPassword } }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
      // The demo's records need no second signature: past the permission check, that is the answer.
      allowStatus: 409,
    },
    {
      endpoint: 'recordsJustify',
      scope,
      prepare: () => prepareMissedRecord(scope),
      request: (c) =>
        c.post(`/api/labs/${preparedRecord[scope]!.labId}/records/${preparedRecord[scope]!.recordNumber}/justification`, {
          reason: `Matrix reason ${++labCounter}`,
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'equipmentList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment`),
      expected: scope === 'own' ? readers : matrix('sign-in', 'allow', 'allow', 'deny', 'deny', 'deny'),
    },
    {
      endpoint: 'equipmentGet',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}`),
      expected: scope === 'own' ? readers : matrix('sign-in', 'allow', 'allow', 'deny', 'deny', 'deny'),
    },
    {
      endpoint: 'equipmentHistory',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/history`),
      expected: scope === 'own' ? readers : matrix('sign-in', 'allow', 'allow', 'deny', 'deny', 'deny'),
    },
    {
      endpoint: 'equipmentCreate',
      scope,
      request: (c) => c.post(`/api/labs/${lab(scope)}/equipment`, { serialNumber: `MX-${scope}-${++machineCounter}`, modelId: 'Form 3B' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'equipmentUpdate',
      scope,
      request: (c) => c.patch(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}`, { status: 'In Service' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'equipmentTransfer',
      scope,
      prepare: async () => {
        preparedMachine[scope] = `MOVE-${scope}-${++machineCounter}`;
        expect((await admin.post(`/api/labs/${lab(scope)}/equipment`, { serialNumber: preparedMachine[scope], modelId: 'Form 3B' })).status).toBe(201);
      },
      request: (c) => c.post(`/api/labs/${lab(scope)}/equipment/${preparedMachine[scope]}/transfer`, { toLabId: scope === 'own' ? 'LAB02' : 'LAB04' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'meterList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/meters`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'meterCreate',
      scope,
      request: (c) => c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/meters`, { name: `Matrix cycles ${++machineCounter}`, unit: 'cycles' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'meterReadingList',
      scope,
      prepare: () => matrixMeter(scope),
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/meters/M1/readings`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'meterReadingCreate',
      scope,
      prepare: () => matrixMeter(scope),
      request: (c) => c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/meters/M1/readings`, { value: ++labCounter }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'calibrationPlanGet',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibration-plan`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'calibrationIntervalReview',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibration-plan/interval-review`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'calibrationIntervalDecision',
      scope,
      // Sent on a review that never showed a 1-day interval: an allowed caller hears 409 and nothing is signed.
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibration-plan/interval-review/decision`, {
          decision: 'accept',
          reviewed: { currentIntervalDays: 1, recommendedIntervalDays: 1, calibrationNumbers: [] },
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
      allowStatus: 409,
    },
    {
      endpoint: 'intermediateCheckList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/intermediate-checks`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'intermediateCheckRecord',
      scope,
      // The matrix plan defines no intermediate check: an allowed caller hears 409 and nothing is signed.
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/intermediate-checks`, {
          performedOn: labDaysAgo(lab(scope), 0),
          readings: [{ pointId: 'P1', value: 100 }],
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
      allowStatus: 409,
    },
    {
      endpoint: 'calibrationPlanSet',
      scope,
      request: async (c) => {
        const current = await admin.get<{ current: { version: number } }>(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibration-plan`);
        return c.put(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibration-plan`, {
          ...matrixPlan,
          reason: `Matrix reason ${++labCounter}`,
          version: current.body.current.version,
        });
      },
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'calibrationList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'calibrationRecord',
      scope,
      request: (c) => c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations`, calibrationBody(lab(scope))),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'calibrationGet',
      scope,
      prepare: () => prepareCalibration(scope),
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'calibrationApproval',
      scope,
      prepare: () => prepareCalibration(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}/approval`, {
          decision: 'approve',
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'calibrationAmend',
      scope,
      prepare: () => prepareApprovedCalibration(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}/amendments`, {
          reason: 'The reading was typed from the wrong line',
          asFound: [{ pointId: 'P1', value: 100.2 }],
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'calibrationCertificateUpload',
      scope,
      prepare: () => prepareCalibration(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}/certificates`, undefined, {
          rawBody: Buffer.from('%PDF-1.4\n%%EOF\n'),
          contentType: 'application/pdf',
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'calibrationCertificateDownload',
      scope,
      prepare: () => prepareCertificate(scope),
      request: (c) => c.get(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/calibrations/${preparedCalibration[scope]}/certificates/1`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'calibrationStandards',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/calibrations/standards`),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'calibrationsDue',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/calibrations/due?within=60`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'equipmentLabels',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/labels?size=large`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'nonconformityList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/nonconformities`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'nonconformityReport',
      scope,
      prepare: async () => {
        preparedMachine[scope] = `NCR-${scope}-${++machineCounter}`;
        expect((await admin.post(`/api/labs/${lab(scope)}/equipment`, { serialNumber: preparedMachine[scope], modelId: 'Form 3B' })).status).toBe(201);
      },
      request: (c) => c.post(`/api/labs/${lab(scope)}/nonconformities`, { serialNumber: preparedMachine[scope], description: 'The door does not latch' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'nonconformityGet',
      scope,
      prepare: () => prepareNonconformity(scope),
      request: (c) => c.get(`/api/labs/${lab(scope)}/nonconformities/${preparedNc[scope]!.ncNumber}`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'nonconformityDisposition',
      scope,
      prepare: () => prepareNonconformity(scope),
      // The item is disposed already: whoever may dispose it hears so (409), everyone else is refused first;
      // a manager of another lab whose results it did not touch is told it does not exist, as for any id.
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/nonconformities/${preparedNc[scope]!.ncNumber}/dispositions`, {
          itemId: preparedNc[scope]!.itemId,
          disposition: 'Re-test',
          reason: 'Matrix',
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : matrix('sign-in', 'allow', 'deny', 'hidden', 'deny', 'deny'),
      allowStatus: 409,
    },
    {
      endpoint: 'nonconformityAction',
      scope,
      prepare: () => prepareNonconformity(scope),
      request: (c) => c.post(`/api/labs/${lab(scope)}/nonconformities/${preparedNc[scope]!.ncNumber}/actions`, { text: 'Checked the wiring' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'nonconformityAttachmentUpload',
      scope,
      prepare: () => prepareNonconformity(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/nonconformities/${preparedNc[scope]!.ncNumber}/attachments`, undefined, {
          rawBody: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
          contentType: 'image/jpeg',
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'nonconformityAttachmentDownload',
      scope,
      prepare: () => prepareNonconformity(scope),
      request: (c) => c.get(`/api/labs/${lab(scope)}/nonconformities/${preparedNc[scope]!.ncNumber}/attachments/1`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'nonconformityClose',
      scope,
      prepare: () => prepareFreshNonconformity(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/nonconformities/${freshNc[scope].ncNumber}/close`, {
          summary: 'Repaired and checked',
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'requestList',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/requests`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'requestGet',
      scope,
      prepare: async () => {
        if (!preparedRequest[scope]) await prepareRequest(scope);
      },
      request: (c) => c.get(`/api/labs/${lab(scope)}/requests/${preparedRequest[scope]}`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'requestToNonconformity',
      scope,
      prepare: () => prepareRequest(scope),
      request: (c) => c.post(`/api/labs/${lab(scope)}/requests/${preparedRequest[scope]}/nonconformity`),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'requestClose',
      scope,
      prepare: () => prepareRequest(scope),
      request: (c) => c.post(`/api/labs/${lab(scope)}/requests/${preparedRequest[scope]}/close`, { reason: 'Matrix: not a fault' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'allow') : administratorsOnly,
    },
    {
      endpoint: 'equipmentReportKey',
      scope,
      request: (c) => c.post(`/api/labs/${lab(scope)}/equipment/MATRIX-${lab(scope)}/report-key`),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'nonconformityItemsAwaiting',
      scope,
      request: (c) => c.get(`/api/labs/${lab(scope)}/nonconformity-items`),
      expected: scope === 'own' ? everyRecordReader : companyReaders,
    },
    {
      endpoint: 'equipmentReturnToService',
      scope,
      prepare: () => prepareFreshNonconformity(scope),
      request: (c) =>
        c.post(`/api/labs/${lab(scope)}/equipment/${freshNc[scope].serialNumber}/return-to-service`, {
          nonconformities: [freshNc[scope].ncNumber],
          note: 'Checked and cleaned',
          signature: { password: demoPassword },
        }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : administratorsOnly,
    },
    {
      endpoint: 'reportsNonconformities',
      scope,
      request: (c) => c.get(`/api/reports/nonconformities?labId=${lab(scope)}`),
      expected: scope === 'own' ? readers : companyReaders,
    },
    {
      endpoint: 'labsUpdate',
      scope,
      request: (c) => c.patch(`/api/labs/${lab(scope)}`, { active: true }),
      expected: matrix('sign-in', 'allow', 'deny', 'deny', 'deny', 'deny'),
    },
    {
      endpoint: 'usersList',
      scope,
      request: (c) => c.get(`/api/users?labId=${lab(scope)}`),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'deny') : matrix('sign-in', 'allow', 'allow', 'deny', 'deny', 'deny'),
    },
    {
      endpoint: 'usersGet',
      scope,
      request: (c) => c.get(`/api/users/${target(scope)}`),
      expected:
        scope === 'own' ? matrix('sign-in', 'allow', 'allow', 'allow', 'allow', 'deny') : matrix('sign-in', 'allow', 'allow', 'hidden', 'hidden', 'deny'),
    },
    {
      endpoint: 'usersCreate',
      scope,
      request: (c, caller) =>
        c.post('/api/users', newUserBody(`made-${scope}-${caller.replace(' ', '').toLowerCase()}-${++labCounter}`, { primaryLabId: lab(scope) })),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : matrix('sign-in', 'allow', 'deny', 'deny', 'deny', 'deny'),
    },
    {
      endpoint: 'usersUpdate',
      scope,
      request: (c) => c.patch(`/api/users/${target(scope)}`, { firstName: `Renamed ${++labCounter}` }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : matrix('sign-in', 'allow', 'deny', 'hidden', 'deny', 'deny'),
    },
    {
      endpoint: 'usersSetLabAccess',
      scope,
      request: (c) => c.put(`/api/users/${target(scope)}/labs/${lab(scope)}`, { role: 'Technician' }),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : matrix('sign-in', 'allow', 'deny', 'hidden', 'deny', 'deny'),
    },
    {
      endpoint: 'usersRemoveLabAccess',
      scope,
      prepare: async () => {
        const extraLab = scope === 'own' ? 'LAB02' : 'LAB04';
        expect((await admin.put(`/api/users/${target(scope)}/labs/${extraLab}`, { role: 'Technician' })).status).toBe(200);
      },
      request: (c) => c.delete(`/api/users/${target(scope)}/labs/${scope === 'own' ? 'LAB02' : 'LAB04'}`),
      expected: scope === 'own' ? matrix('sign-in', 'allow', 'deny', 'allow', 'deny', 'deny') : matrix('sign-in', 'allow', 'deny', 'hidden', 'deny', 'deny'),
    },
  ]),
  { endpoint: 'apiKeysList', scope: 'any', request: (c) => c.get('/api/api-keys'), expected: administratorsOnly },
  {
    endpoint: 'apiKeysCreate',
    scope: 'any',
    request: (c) =>
      c.post('/api/api-keys', {
        name: 'Matrix key',
        labIds: ['LAB03'],
        scopes: ['feed:read'],
        expiresOn: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
      }),
    expected: administratorsOnly,
  },
  // An administrator passes the check and learns the key does not exist.
  {
    endpoint: 'apiKeysRevoke',
    scope: 'any',
    request: (c) => c.post('/api/api-keys/0000000000000000/revoke', { reason: 'Matrix' }),
    expected: matrix('sign-in', 'hidden', 'deny', 'deny', 'deny', 'deny'),
  },
  { endpoint: 'webhooksList', scope: 'any', request: (c) => c.get('/api/integrations/webhooks'), expected: administratorsOnly },
  {
    endpoint: 'webhooksCreate',
    scope: 'any',
    request: (c) => c.post('/api/integrations/webhooks', { name: 'Matrix receiver', url: 'https://203.0.113.10/hook', events: ['machine.quarantined'] }),
    expected: administratorsOnly,
  },
  // An administrator passes the check and learns the subscription does not exist.
  {
    endpoint: 'webhooksRead',
    scope: 'any',
    request: (c) => c.get('/api/integrations/webhooks/0000000000000000'),
    expected: matrix('sign-in', 'hidden', 'deny', 'deny', 'deny', 'deny'),
  },
  {
    endpoint: 'webhooksChange',
    scope: 'any',
    request: (c) => c.patch('/api/integrations/webhooks/0000000000000000', { enabled: false }),
    expected: matrix('sign-in', 'hidden', 'deny', 'deny', 'deny', 'deny'),
  },
  {
    endpoint: 'webhooksDelete',
    scope: 'any',
    request: (c) => c.delete('/api/integrations/webhooks/0000000000000000'),
    expected: matrix('sign-in', 'hidden', 'deny', 'deny', 'deny', 'deny'),
  },
  {
    endpoint: 'webhooksDeliveries',
    scope: 'any',
    request: (c) => c.get('/api/integrations/webhooks/0000000000000000/deliveries'),
    expected: matrix('sign-in', 'hidden', 'deny', 'deny', 'deny', 'deny'),
  },
  // Managers and auditors read the feed for their labs; technicians do not.
  { endpoint: 'odataFeed', scope: 'any', request: (c) => c.get('/api/odata/Labs'), expected: readers },
  // Integrations only: a session is no key.
  {
    endpoint: 'machineMeterReadingCreate',
    scope: 'any',
    request: (c) => c.post('/api/machines/MATRIX-LAB04/meter-readings', { meter: 'Hours', value: 1 }),
    expected: publicEverywhere('sign-in'),
  },
  { endpoint: 'machineFitness', scope: 'any', request: (c) => c.get('/api/machines/MATRIX-LAB04/fitness'), expected: publicEverywhere('sign-in') },
  {
    endpoint: 'problemReportMachine',
    scope: 'any',
    request: async (c) => c.get(`/api/machines/MATRIX-LAB04/problem-reports?k=${await labelKey('LAB04', 'MATRIX-LAB04')}`),
    expected: publicEverywhere(),
  },
  {
    endpoint: 'problemReportSend',
    scope: 'any',
    request: async (c) => c.post(`/api/machines/MATRIX-LAB04/problem-reports?k=${await labelKey('LAB04', 'MATRIX-LAB04')}`, { description: 'Matrix problem' }),
    expected: publicEverywhere(),
  },
  {
    endpoint: 'authLogout',
    scope: 'any',
    request: (c) => c.post('/api/auth/logout'),
    expected: publicEverywhere(),
  },
];

function outcomeOf(response: ApiResponse, allowStatus: number | undefined): Outcome | `status ${number}` {
  if (response.status === 401) return 'sign-in';
  if (response.status === 403) return 'deny';
  if (response.status === 404) return 'hidden';
  if (allowStatus !== undefined ? response.status === allowStatus : response.status < 400) return 'allow';
  return `status ${response.status}`;
}

beforeAll(async () => {
  // Every row that needs a request sends one from this address: more than an address may send in an hour.
  product = await startTestProduct({ PROBLEM_REPORTS_PER_ADDRESS: '1000', PROBLEM_REPORTS_PER_MACHINE: '1000' });
  admin = await product.signedIn('admin');
  for (const [username, primaryLabId] of [
    ['matrixown', 'LAB01'],
    ['matrixother', 'LAB03'],
  ] as const) {
    const created = await admin.post('/api/users', newUserBody(username, { primaryLabId, requirePasswordChange: false }));
    expect(created.status).toBe(201);
  }
  for (const labId of ['LAB01', 'LAB03']) {
    expect((await admin.post(`/api/labs/${labId}/equipment`, { serialNumber: `MATRIX-${labId}`, modelId: 'Form 3B' })).status).toBe(201);
    const plan = await admin.put(`/api/labs/${labId}/equipment/MATRIX-${labId}/calibration-plan`, matrixPlan);
    expect(plan.status, plan.text).toBe(200);
  }
  const provider = await admin.post('/api/calibration-providers', {
    name: 'Matrix Metrology',
    accreditationBody: 'UKAS',
    accreditationNumber: '0001',
    scope: 'Temperature',
    accreditationExpires: '2099-01-01',
    approved: true,
  });
  expect(provider.status, provider.text).toBe(201);
  expect((await admin.post('/api/models', { modelId: 'Matrix replace', manufacturer: 'Acme', equipmentClass: 'Mill', frequencies: {} })).status).toBe(201);
  // LAB03's machine gets today's records, Open. LAB04's, another lab of nobody's, is run two days on
  // too, for Missed ones: in LAB03 that later run closed the month's last Open checklist on the last
  // two days of every month.
  await generateLab('LAB03', new Date(), 'matrix');
  expect((await admin.post('/api/labs/LAB04/equipment', { serialNumber: 'MATRIX-LAB04', modelId: 'Form 3B' })).status).toBe(201);
  await generateLab('LAB04', new Date(), 'matrix');
  await generateLab('LAB04', new Date(Date.now() + 2 * 86_400_000), 'matrix-later');
});
afterAll(async () => product.cleanup());

async function clientFor(caller: Caller): Promise<ApiClient> {
  if (caller === 'anonymous') return product.client();
  let client = sessions.get(caller);
  if (!client || (await client.get('/api/auth/me')).status !== 200) {
    client = await product.signedIn(usernames[caller]);
    sessions.set(caller, client);
  }
  return client;
}

describe('permission matrix over HTTP', () => {
  it('has rows for every declared endpoint, and own and other lab rows wherever a lab is involved', () => {
    const declared = registeredHttpFunctions()
      .map((fn) => fn.declaration.name)
      .sort();
    const covered = [...new Set(rows.map((row) => row.endpoint))].sort();
    expect(covered).toEqual(declared);
    for (const fn of registeredHttpFunctions()) {
      const scopes = rows.filter((row) => row.endpoint === fn.declaration.name).map((row) => row.scope);
      const labInQuery = [
        'usersList',
        'usersCreate',
        'auditList',
        'auditVerify',
        'reportsCompliance',
        'reportsCalibration',
        'reportsNonconformities',
        'reportsReliability',
      ];
      const labScoped = /\{(labId|username)\}/.test(fn.declaration.route) || labInQuery.includes(fn.declaration.name);
      expect(labScoped ? scopes.sort() : scopes, fn.declaration.name).toEqual(labScoped ? ['other', 'own'] : ['any']);
    }
  });

  for (const row of rows) {
    for (const caller of callers) {
      it(`${row.endpoint} (${row.scope} lab) as ${caller}: ${row.expected[caller]}`, async () => {
        await row.prepare?.();
        const client = await clientFor(caller);
        const response = await row.request(client, caller);
        expect(outcomeOf(response, row.allowStatus), `${response.status} ${response.text}`).toBe(row.expected[caller]);
        if (row.endpoint === 'authLogout') sessions.delete(caller);
      });
    }
  }
});
