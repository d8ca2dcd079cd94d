import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { demoCertificatePdf } from '../local/demo-certificate.js';
import type { CalibrationPlan } from '../shared/schemas/calibration.js';
import type { IntermediateChecks } from '../shared/schemas/intermediate-checks.js';
import type { RecordSummary } from '../shared/schemas/records.js';
import { desktop, phone, screenshot, seriousAccessibilityProblems, settled, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { calibratedAndApproved, machineWithPlan, yearlyPlan } from './helpers/fixtures.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { demoPassword } from './helpers/test-product.js';

/** Calibration in Chromium (SPEC §9), on the demo company's calibrations. */
const browsing = browserProductForFile({ noConsoleErrors: true });

describe('calibration in the browser', () => {
  it('a manager sees what is due, approves a calibration a technician entered, and records an external one that an administrator approves', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await page.getByRole('link', { name: 'Calibration', exact: true }).first().click();
    await settled(page);
    const rows = page.locator('tbody tr');
    expect(await rows.first().locator('td').first().innerText()).toBe('PS2-01-007');
    await page.getByText('Not fit').first().waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'calibrations-due-desktop');

    // The approval queue names the technician's pending calibration of PS2-01-011.
    await page.getByRole('heading', { name: /^Awaiting approval \(\d+\)$/ }).waitFor();
    await page.getByRole('link', { name: /^LAB01-CAL-\d{6} · PS2-01-011$/ }).waitFor();
    await page.getByRole('link', { name: 'PS2-01-011', exact: true }).click();
    await settled(page);
    await page.getByRole('button', { name: /^Approve or reject LAB01-CAL-/ }).click();
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign: Approved by' }).click();
    await page.getByText(/is approved\.$/).waitFor();
    await page.locator('.fitness .badge', { hasText: 'Fit' }).first().waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'machine-calibration-desktop');

    await visit(page, '/equipment/LAB01/PS2-01-003/calibration');
    await page.getByRole('button', { name: 'Record a calibration' }).click();
    await page.getByLabel('Performed', { exact: true }).selectOption('external');
    await page.getByLabel('Certificate number').fill('NMS-2026-09912');
    await page.getByLabel('Firing chamber at 700 °C (°C)').fill('706');
    await page.getByText('Fail: 706 is outside 695 to 705').waitFor();
    await page.getByLabel('Firing chamber at 700 °C (°C)').fill('700.4');
    await page.getByLabel('Firing chamber at 1000 °C (°C)').fill('1001');
    expect(await page.locator('.point-row .badge', { hasText: 'Pass' }).count()).toBe(2);
    const certificate = demoCertificatePdf(['Certificate of Calibration NMS-2026-09912', 'Firing oven PS2-01-003', ' '.repeat(2_000_000)]);
    const standard = page.locator('.standard-choice', { hasText: 'REF-T-01' });
    await standard.locator('.badge', { hasText: 'Fit' }).waitFor();
    await standard.getByRole('checkbox').check();
    await page.getByLabel('Certificate file', { exact: true }).setInputFiles({ name: 'NMS-2026-09912.pdf', mimeType: 'application/pdf', buffer: certificate });
    await screenshot(page, 'calibration-form-desktop');
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    // A slow uplink (1 MB/s, as a lab's Wi-Fi may be): the 2 MB upload takes long enough to see its progress bar.
    const network = await page.context().newCDPSession(page);
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    await page.getByRole('button', { name: 'Sign: Performed by' }).click();
    await page.getByRole('progressbar', { name: 'Uploading NMS-2026-09912.pdf' }).waitFor();
    await screenshot(page, 'calibration-upload-progress-desktop');
    await page
      .getByText(/is recorded: Pass\. It counts once another manager approves it\. Its certificate NMS-2026-09912\.pdf is kept \(SHA-256 [0-9a-f]{64}\)\.$/)
      .waitFor();
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(await page.getByRole('button', { name: /^Approve or reject/ }).count()).toBe(0);

    const admin = await browsing.session(desktop);
    await signIn(admin.page, 'admin', demoPassword);
    await visit(admin.page, '/equipment/LAB01/PS2-01-003/calibration');
    await admin.page.getByRole('button', { name: /^Approve or reject LAB01-CAL-/ }).click();
    await admin.page.getByLabel('Your password, to sign').fill(demoPassword);
    await admin.page.getByRole('button', { name: 'Sign: Approved by' }).click();
    await admin.page.getByText(/is approved\.$/).waitFor();
    await admin.page.getByText('Northeast Metrology Services').first().waitFor();
    await admin.page.locator('.calibration-entry summary', { hasText: '1 certificate file' }).first().click();
    await admin.page
      .getByText(/^Reference standards: REF-T-01 \(Boston Dental Lab/)
      .first()
      .waitFor();
    const [download] = await Promise.all([admin.page.waitForEvent('download'), admin.page.getByRole('link', { name: 'NMS-2026-09912.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('NMS-2026-09912.pdf');
    expect((await readFile((await download.path())!)).equals(certificate)).toBe(true);
    // Approved, the calibration takes no more certificate files, and the page says why instead of offering one.
    const approvedEntry = admin.page.locator('.calibration-entry', { hasText: 'NMS-2026-09912.pdf' });
    await approvedEntry
      .getByText(/is approved, so its certificates can no longer change: add certificate files right after recording a calibration, before approval\./)
      .waitFor();
    expect(await approvedEntry.getByLabel(/^Add a certificate file to /).count()).toBe(0);
    expect(await seriousAccessibilityProblems(admin.page)).toEqual([]);
    await screenshot(admin.page, 'calibration-certificate-desktop');

    // The administrator corrects the approved calibration: a signed amendment, judged again.
    await admin.page
      .getByRole('button', { name: /^Amend LAB01-CAL-/ })
      .first()
      .click();
    const dialog = admin.page.getByRole('dialog');
    await dialog.getByLabel('Why it is corrected').fill('The provider’s certificate gives 1001.5 °C at 1000 °C');
    await dialog.getByLabel('Firing chamber at 1000 °C (°C)').fill('1001.5');
    await dialog.getByLabel('Your password, to sign').fill(demoPassword);
    await dialog.getByRole('button', { name: 'Sign: Amended by' }).click();
    await admin.page.getByText(/is amended \(amendment 1\): Pass\.$/).waitFor();
    const amendedEntry = admin.page.locator('.calibration-entry details', { has: admin.page.locator('summary', { hasText: 'amended 1×' }) }).first();
    await amendedEntry.evaluate((details) => ((details as HTMLDetailsElement).open = true));
    await admin.page.getByText(/as found P2 1001 → 1001\.5/).waitFor();
    expect(await seriousAccessibilityProblems(admin.page)).toEqual([]);
    await screenshot(admin.page, 'calibration-amended-desktop');
  });

  it('offers the lab’s own date for a calibration, whatever the browser’s zone and date say', async () => {
    // 03:00 UTC on 2 December is 12:00 on 2 December in Tokyo, and still 1 December in Boston (LAB01).
    const { page } = await browsing.session({ ...phone, timezoneId: 'Asia/Tokyo' });
    await signIn(page, 'manager1', demoPassword);
    await page.clock.setFixedTime(new Date('2026-12-02T03:00:00Z'));
    await visit(page, '/equipment/LAB01/PS2-01-003/calibration');
    await page.getByRole('button', { name: 'Record a calibration' }).click();
    expect(await page.getByLabel('Performed on').inputValue()).toBe('2026-12-01');
  });

  it('a technician on a phone sees that the machine of a checklist is not fit for use', async () => {
    const records = await (await browsing.product.signedIn('admin')).get<{ items: RecordSummary[] }>('/api/labs/LAB01/records?status=Open&pageSize=500');
    const overdueMachine = records.body.items.find((record) => record.serialNumber === 'PS2-01-007')!;
    expect(overdueMachine).toBeDefined();
    const { page } = await browsing.session(phone);
    await signIn(page, 'tech1', demoPassword);
    // The Today list says so before the checklist is opened.
    const row = page.locator('.work-rows li', { hasText: 'PS2-01-007' }).first();
    await row.locator('.badge', { hasText: 'Not fit' }).waitFor();
    expect(await row.locator('.badge').getAttribute('title')).toMatch(/^calibration overdue; calibration due \d{4}-\d{2}-\d{2}$/);
    await screenshot(page, 'today-not-fit-phone');
    await visit(page, `/records/LAB01/${overdueMachine.recordNumber}`);
    await page
      .getByText('PS2-01-007 is not fit for use: calibration overdue. Do the PM checks as usual, but do not use the machine for work until it is fit again.')
      .waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'record-not-fit-phone');
    await visit(page, '/calibration');
    await page.getByText('PS2-01-007').first().waitFor();
    await screenshot(page, 'calibrations-due-phone');
  });
});

describe('intermediate checks in the browser', () => {
  it('URS-170 a manager defines an intermediate check in the plan, and a technician on a phone records a passing one typed with a decimal comma', async () => {
    const manager = await browsing.session(desktop);
    await signIn(manager.page, 'manager1', demoPassword);
    await visit(manager.page, '/equipment/LAB01/PS2-01-011/calibration');
    await manager.page.getByRole('button', { name: 'Change the plan' }).click();
    const dialog = manager.page.getByRole('dialog');
    await dialog.getByLabel('Check between calibrations').check();
    await dialog.getByLabel('Check every (days)').fill('30');
    await dialog.getByLabel('Check standard').fill('REF-T-01');
    await dialog.getByRole('button', { name: 'Add a check point' }).click();
    await dialog.getByLabel('Check point 1 name').fill('Chamber at 700 °C');
    await dialog.getByLabel('Check point 1 unit').fill('°C');
    await dialog.getByLabel('Check point 1 nominal').fill('700');
    await dialog.getByLabel('Check point 1 lower limit').fill('695');
    await dialog.getByLabel('Check point 1 upper limit').fill('705');
    await dialog.getByRole('button', { name: 'Save as a new version' }).click();
    await manager.page.getByText(/Next intermediate check due \d{4}-\d{2}-\d{2}\./).waitFor();
    await manager.page.getByText('Every 30 days against REF-T-01: Chamber at 700 °C within 695 to 705 °C.').waitFor();
    expect(await seriousAccessibilityProblems(manager.page)).toEqual([]);
    await screenshot(manager.page, 'intermediate-check-plan-desktop');

    const { page } = await browsing.session(phone);
    await signIn(page, 'tech1', demoPassword);
    await visit(page, '/equipment/LAB01/PS2-01-011/calibration');
    await page.getByRole('button', { name: 'Record an intermediate check' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Chamber at 700 °C (°C)').fill('706');
    await form.getByText('Fail: 706 is outside 695 to 705').waitFor();
    await form.getByLabel('Chamber at 700 °C (°C)').fill('700,4');
    await form.locator('.badge', { hasText: 'Pass' }).waitFor();
    await screenshot(page, 'intermediate-check-form-phone');
    await form.getByLabel('Your password, to sign').fill(demoPassword);
    await form.getByRole('button', { name: 'Sign: Performed by' }).click();
    await page.getByText('Intermediate check IC-0001 is recorded: Pass.').waitFor();
    await page.locator('.intermediate-check-list li', { hasText: /IC-0001 of .*Chamber at 700 °C 700\.4 °C\. Signed by / }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'intermediate-checks-phone');

    const checks = await (await browsing.product.signedIn('manager1')).get<IntermediateChecks>('/api/labs/LAB01/equipment/PS2-01-011/intermediate-checks');
    expect(checks.body).toMatchObject({
      plan: { intervalDays: 30, checkStandard: 'REF-T-01' },
      nextDue: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      items: [{ checkId: 'IC-0001', result: 'Pass', points: [{ value: 700.4, pass: true }], signature: { username: 'tech1', meaning: 'Performed by' } }],
    });
    await visit(manager.page, '/calibration');
    await manager.page
      .locator('tr', { hasText: 'PS2-01-011' })
      .getByText(/^due \d{4}-\d{2}-\d{2}$/)
      .waitFor();
    await screenshot(manager.page, 'calibrations-due-intermediate-desktop');
  });
});

describe('a model’s default calibration plan in the browser', () => {
  it('is set in the model editor, and a machine registered afterwards starts with it', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, `/models/${encodeURIComponent('Sartorius Quintix 613')}`);
    await page.getByText('None: machines of this model get their plan one by one.').waitFor();
    await page.getByRole('button', { name: 'Set a default plan' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Why (ISO/IEC 17025 §6.4.6)').fill('Every investment mix is weighed on it');
    await dialog.getByLabel('Interval in months').fill('6');
    await dialog.getByRole('button', { name: 'Add a point' }).click();
    await dialog.getByLabel('Point 1 name').fill('Load of 200 g');
    await dialog.getByLabel('Point 1 unit').fill('g');
    await dialog.getByLabel('Point 1 nominal').fill('200');
    await dialog.getByLabel('Point 1 lower limit').fill('199.97');
    await dialog.getByLabel('Point 1 upper limit').fill('200.03');
    await dialog.getByRole('button', { name: 'Keep for this model' }).click();
    await page.getByText('Calibration required every 6 months; 1 point, simple rule.', { exact: false }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save model' }).click();
    await page.getByText(/^Saved as version \d+\./).waitFor();
    await screenshot(page, 'model-default-plan-desktop');

    const admin = await browsing.product.signedIn('admin');
    expect((await admin.post('/api/labs/LAB02/equipment', { serialNumber: 'BAL-02-002', modelId: 'Sartorius Quintix 613' })).status).toBe(201);
    const plan = await admin.get<CalibrationPlan>('/api/labs/LAB02/equipment/BAL-02-002/calibration-plan');
    expect(plan.body.current).toMatchObject({
      version: 1,
      intervalMonths: 6,
      points: [{ pointId: 'P1', name: 'Load of 200 g', lowerLimit: 199.97, upperLimit: 200.03 }],
    });
  });
});

describe('intermediate checks due on Today', () => {
  it('URS-162 Today lists the checks due and overdue from its one API call, on a phone and at a desk, each leading to the calibration page', async () => {
    const manager = await browsing.product.signedIn('manager1');
    const tech = await browsing.product.signedIn('tech1');
    const plan = {
      ...yearlyPlan,
      intermediateCheck: {
        intervalDays: 30,
        checkStandard: 'REF-T-01',
        points: [{ name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99, upperLimit: 101 }],
      },
    };
    // Counted from each machine's own calibration, so the checks are due whatever ran before.
    await machineWithPlan(manager, 'ICD-WEB-1', plan);
    await calibratedAndApproved(tech, manager, 'ICD-WEB-1', 100.1, 45);
    await machineWithPlan(manager, 'ICD-WEB-2', plan);
    await calibratedAndApproved(tech, manager, 'ICD-WEB-2', 100.1, 30);

    for (const viewport of [phone, desktop]) {
      const { page } = await browsing.session(viewport);
      const labCalls: string[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/api/labs/')) labCalls.push(path);
      });
      await signIn(page, 'tech1', demoPassword);
      await settled(page);
      await page.locator('details.work-later summary', { hasText: /^Intermediate checks due \d+$/ }).click();
      const overdue = page.getByRole('link', { name: `ICD-WEB-1 Form 3B · against REF-T-01 Check overdue since ${labDaysAgo('LAB01', 15)}` });
      await overdue.waitFor();
      await page.getByRole('link', { name: 'ICD-WEB-2 Form 3B · against REF-T-01 Check due today' }).waitFor();
      expect(labCalls).toEqual(['/api/labs/LAB01/dashboard']);
      expect(await seriousAccessibilityProblems(page)).toEqual([]);
      await screenshot(page, `today-intermediate-checks-${viewport === phone ? 'phone' : 'desktop'}`);
      await overdue.click();
      await page.waitForURL('**/equipment/LAB01/ICD-WEB-1/calibration');
      await page.getByRole('button', { name: 'Record an intermediate check' }).waitFor();
    }
  });
});
