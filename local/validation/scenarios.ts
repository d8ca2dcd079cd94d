import { runCheck, type CheckRecorder, type CheckResult } from './checks.js';
import { EvidenceClient, type Exchange } from './evidence-client.js';

export interface Account {
  username: string;
  password: string;
}

/** The accounts the scenarios act as: a technician and a manager of the lab, and an administrator (the second person who approves). */
export interface ValidationAccounts {
  technician: Account;
  manager: Account;
  administrator: Account;
}

interface Task {
  taskId: string;
  kind: string;
  min?: number;
  max?: number;
}
interface RecordView {
  recordNumber: string;
  status: string;
  tasks: Task[];
  responses: { taskId: string; done: boolean; value?: number }[];
  currentResponses: { taskId: string; done: boolean; value?: number; note?: string }[];
  signature: { username: string; meaning: string; contentHash: string } | null;
  amendments: { reason: string; signature: { username: string; meaning: string } }[];
}
interface Summary {
  recordNumber: string;
  status: string;
  opensAt?: string | null;
  fitness?: unknown;
}

const body = <T>(exchange: Exchange) => exchange.body as T;

/** A value within a reading task's limits: its middle, or its one limit. */
function readingFor(task: Task): number {
  if (task.min !== undefined && task.max !== undefined) return (task.min + task.max) / 2;
  return task.min ?? task.max ?? 1;
}

/** The lab's own date today, as the product dates calibrations. */
function labToday(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

async function signIn(check: CheckRecorder, client: EvidenceClient, account: Account): Promise<boolean> {
  const answer = await client.post('/api/auth/login', { username: account.username, password: account.password });
  check.keep(answer.evidence);
  return check.expect(answer.status === 200, `${account.username} signed in (${answer.status})`);
}

/**
 * Operational qualification: the main uses of the product, run against the installation as its people
 * would, each request and answer kept. They write to the lab named (a record completed and amended, a
 * machine registered and calibrated), so run them at a lab kept for validation or against a copy.
 */
export async function operationalScenarios(
  baseUrl: string,
  packDir: string,
  labId: string,
  accounts: ValidationAccounts,
  stamp: string,
): Promise<CheckResult[]> {
  const folder = (name: string) => `evidence/oq/${name}`;
  const technician = new EvidenceClient(baseUrl, packDir, folder('01-sign-in'), accounts.technician.username);
  const manager = new EvidenceClient(baseUrl, packDir, folder('01-sign-in'), accounts.manager.username);
  const administrator = new EvidenceClient(baseUrl, packDir, folder('01-sign-in'), accounts.administrator.username);
  const at = (client: EvidenceClient, name: string) => client.in(folder(name));
  const results: CheckResult[] = [];
  let completed: RecordView | undefined;

  results.push(
    await runCheck('OQ-01', `Sign in: a technician, a manager and an administrator see their roles at ${labId}`, async (check) => {
      for (const [client, account, role] of [
        [technician, accounts.technician, 'Technician'],
        [manager, accounts.manager, 'Manager'],
        [administrator, accounts.administrator, 'Administrator'],
      ] as const) {
        if (!(await signIn(check, client, account))) continue;
        const labs = await client.get('/api/labs');
        check.keep(labs.evidence);
        const held = body<{ items: { labId: string; role: string }[] }>(labs).items.find((lab) => lab.labId === labId)?.role;
        check.expect(held === role, `${account.username} holds ${held ?? 'no role'} at ${labId}`);
      }
    }),
  );

  results.push(
    await runCheck('OQ-02', 'Complete a checklist and sign it with the password: signer, meaning and content hash are kept', async (check) => {
      const tech = at(technician, '02-complete-and-sign');
      const dashboard = await tech.get(`/api/labs/${labId}/dashboard`);
      check.keep(dashboard.evidence);
      const now = Date.now();
      const open = body<{ items: Summary[] }>(dashboard).items.find(
        (row) => row.status === 'Open' && !row.fitness && (!row.opensAt || Date.parse(row.opensAt) <= now),
      );
      if (!check.expect(open !== undefined, `${labId} has an open checklist of a fit machine to complete`)) return;
      const record = await tech.get(`/api/labs/${labId}/records/${open!.recordNumber}`);
      check.keep(record.evidence);
      const responses = body<RecordView>(record).tasks.map((task) =>
        task.kind === 'reading' ? { taskId: task.taskId, done: true, value: readingFor(task) } : { taskId: task.taskId, done: true },
      );
      const done = await tech.post(`/api/labs/${labId}/records/${open!.recordNumber}/complete`, {
        responses,
        signature: { password: accounts.technician.password, meaning: 'Performed by' },
      });
      check.keep(done.evidence);
      if (!check.expect(done.status === 200, `completing ${open!.recordNumber} answered ${done.status}`)) return;
      completed = body<RecordView>(done);
      check.expect(completed.status === 'Completed', `the record is ${completed.status}`);
      check.expect(
        completed.signature?.username === accounts.technician.username && completed.signature.meaning === 'Performed by',
        `signed by ${completed.signature?.username}, meaning "${completed.signature?.meaning}"`,
      );
      check.expect(/^[0-9a-f]{64}$/.test(completed.signature?.contentHash ?? ''), `content hash ${completed.signature?.contentHash}`);
      const wrong = await tech.post(`/api/labs/${labId}/records/${open!.recordNumber}/complete`, {
        responses,
        signature: { password: accounts.technician.password },
      });
      check.keep(wrong.evidence);
      check.expect(wrong.status === 409, `completing it a second time is refused (${wrong.status})`);
    }),
  );

  results.push(
    await runCheck('OQ-03', 'Amend the completed record with a reason and an "Amended by" signature; the original stays', async (check) => {
      if (!check.expect(completed !== undefined, 'OQ-02 completed a record to amend')) return;
      const record = completed!;
      const reading = record.tasks.find((task) => task.kind === 'reading');
      const change = reading
        ? {
            taskId: reading.taskId,
            done: true,
            value: readingFor(reading) + (reading.max !== undefined && reading.min !== undefined ? (reading.max - reading.min) / 4 : 0.1),
          }
        : { taskId: record.tasks[0]!.taskId, done: true, note: `Validation ${stamp}: a note added by amendment` };
      const amended = await at(manager, '03-amend').post(`/api/labs/${labId}/records/${record.recordNumber}/amendments`, {
        responses: [change],
        reason: `Validation ${stamp}: a correction to show the amendment trail`,
        signature: { password: accounts.manager.password },
      });
      check.keep(amended.evidence);
      if (!check.expect(amended.status === 200, `amending ${record.recordNumber} answered ${amended.status}`)) return;
      const view = body<RecordView>(amended);
      check.expect(JSON.stringify(view.responses) === JSON.stringify(record.responses), 'the responses as signed are unchanged');
      check.expect(
        view.amendments.at(-1)?.signature.meaning === 'Amended by' && view.amendments.at(-1)?.signature.username === accounts.manager.username,
        `the amendment is signed "${view.amendments.at(-1)?.signature.meaning}" by ${view.amendments.at(-1)?.signature.username}`,
      );
    }),
  );

  results.push(
    await runCheck('OQ-04', 'Record a calibration, signed, and another person approves it: the machine is fit', async (check) => {
      const managing = at(manager, '04-calibration');
      const approving = at(administrator, '04-calibration');
      const labs = await managing.get('/api/labs');
      check.keep(labs.evidence);
      const timeZone = body<{ items: { labId: string; timeZone: string }[] }>(labs).items.find((lab) => lab.labId === labId)?.timeZone ?? 'UTC';
      const models = await approving.get('/api/models');
      check.keep(models.evidence);
      const model = body<{ items: { modelId: string }[] }>(models).items[0];
      if (!check.expect(model !== undefined, 'the installation has an equipment model to register a machine of')) return;
      const serialNumber = `OQ-${stamp}`;
      const registered = await managing.post(`/api/labs/${labId}/equipment`, { serialNumber, modelId: model!.modelId });
      check.keep(registered.evidence);
      if (!check.expect(registered.status === 201, `registering ${serialNumber} (${model!.modelId}) answered ${registered.status}`)) return;
      const planUrl = `/api/labs/${labId}/equipment/${serialNumber}/calibration-plan`;
      const current = await managing.get(planUrl);
      check.keep(current.evidence);
      const version = current.status === 200 ? (current.body as { version?: number }).version : undefined;
      const plan = await managing.put(planUrl, {
        required: true,
        reason: `Validation ${stamp}: a machine calibrated to show the calibration workflow`,
        intervalMonths: 12,
        warningDays: 30,
        graceDays: 7,
        decisionRule: 'simple',
        referenceStandard: false,
        points: [{ pointId: 'P1', name: 'Heater at 60 °C', unit: '°C', nominal: 60, lowerLimit: 59, upperLimit: 61 }],
        ...(version !== undefined ? { version, changeReason: `Validation ${stamp}: the validation's own calibration point` } : {}),
      });
      check.keep(plan.evidence);
      if (!check.expect(plan.status === 200 || plan.status === 201, `setting its calibration plan answered ${plan.status}`)) return;
      const recorded = await managing.post(`/api/labs/${labId}/equipment/${serialNumber}/calibrations`, {
        performedOn: labToday(timeZone),
        kind: 'internal',
        asFound: [{ pointId: 'P1', value: 60.2 }],
        adjusted: false,
        signature: { password: accounts.manager.password },
      });
      check.keep(recorded.evidence);
      if (!check.expect(recorded.status === 201, `recording the calibration answered ${recorded.status}`)) return;
      const calibration = body<{ calibrationNumber: string; status: string }>(recorded);
      check.expect(calibration.status === 'Awaiting approval', `the calibration ${calibration.calibrationNumber} is ${calibration.status}`);
      const approved = await approving.post(`/api/labs/${labId}/equipment/${serialNumber}/calibrations/${calibration.calibrationNumber}/approval`, {
        decision: 'approve',
        signature: { password: accounts.administrator.password },
      });
      check.keep(approved.evidence);
      check.expect(approved.status === 200, `approving it answered ${approved.status}`);
      const machine = await managing.get(`/api/labs/${labId}/equipment/${serialNumber}`);
      check.keep(machine.evidence);
      const fitness = body<{ fitness: { state: string; calibrationDue: string | null } }>(machine).fitness;
      check.expect(fitness.state === 'fit', `the machine is ${fitness.state}, calibration due ${fitness.calibrationDue}`);
    }),
  );

  results.push(
    await runCheck('OQ-05', `Verify the audit trail of ${labId}: every chain, record and signature holds`, async (check) => {
      const verifying = at(administrator, '05-verify-audit');
      let token: string | null = null;
      let pages = 0;
      let last: { intact: boolean | null; recordsChecked: number; evidenceChecked: number; firstBroken: unknown } | undefined;
      do {
        const page = await verifying.get(
          `/api/audit/verify?labId=${encodeURIComponent(labId)}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
        );
        check.keep(page.evidence);
        if (!check.expect(page.status === 200, `verification page ${pages + 1} answered ${page.status}`)) return;
        last = body<typeof last & { continuationToken: string | null }>(page);
        token = (page.body as { continuationToken: string | null }).continuationToken;
        pages += 1;
      } while (token && pages < 1000);
      check.expect(
        last?.intact === true,
        `the verification of ${pages} page(s) says intact: ${last?.intact}; first broken: ${JSON.stringify(last?.firstBroken ?? null)}`,
      );
    }),
  );

  results.push(
    await runCheck('OQ-06', 'Export the compliance report as CSV: it counts the completed checklist', async (check) => {
      const reading = at(manager, '06-export-report');
      const report = await reading.get(`/api/reports/compliance?labId=${encodeURIComponent(labId)}`);
      check.keep(report.evidence);
      if (!check.expect(report.status === 200, `the compliance report answered ${report.status}`)) return;
      const rows = body<{ summary: { completedOnTime: number; completedLate: number }[] }>(report).summary;
      const done = rows.reduce((sum, row) => sum + row.completedOnTime + row.completedLate, 0);
      check.expect(done >= 1, `the report counts ${done} completed checklist(s)`);
      const csv = await reading.get(`/api/reports/compliance?labId=${encodeURIComponent(labId)}&format=csv`);
      check.keep(csv.evidence);
      check.expect(
        csv.status === 200 && (csv.headers.get('content-type') ?? '').startsWith('text/csv'),
        `the CSV answered ${csv.status} ${csv.headers.get('content-type')}`,
      );
      check.expect(
        csv.text.split('\n')[0]!.includes(',') && csv.text.includes(labId),
        `the CSV has a header row and rows of ${labId} (${csv.text.split('\n').length} lines)`,
      );
    }),
  );

  for (const client of [technician, manager, administrator]) await at(client, '07-sign-out').post('/api/auth/logout');
  return results;
}
