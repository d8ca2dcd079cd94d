import { describe, expect, it } from 'vitest';
import type { Calibration } from '../shared/schemas/calibration.js';
import type { Model } from '../shared/schemas/catalog.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { desktop, phone, screenshot, seriousAccessibilityProblems, settled, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { decodeQr } from './helpers/qr.js';

/**
 * At the machine (SPEC §10, §11), in Chromium on the demo company: labels and the page they open, the
 * app in a dead spot, and a fault from the checklist to a signed return to service. One product for
 * the three, in this order: the labels expect F3B-01-001 in service, which the fault flow ends.
 */
const browsing = browserProductForFile({ noConsoleErrors: true });

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF fault photo'), Buffer.alloc(2000, 1)]);

describe('labels in the browser', () => {
  it('prints a sheet whose QR code opens the machine on a phone, where a technician starts its open checklist in one tap; another lab’s machine is not found', async () => {
    const { page } = await browsing.session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/equipment');
    await page.getByRole('link', { name: 'Print labels' }).click();
    await settled(page);
    await page.getByLabel('Label size').selectOption('large');
    const label = page.locator('.label', { hasText: 'F3B-01-001' });
    await label.locator('img.qr').waitFor();
    await page.locator('.label', { hasText: 'REF-T-02' }).getByText('NOT FIT FOR USE').waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'label-sheet-desktop');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.app-header').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });

    const decoded = decodeQr(await label.locator('img.qr').screenshot());
    // The stable address, with the machine's report key for whoever scans it without an account.
    const scanned = new URL(decoded!);
    expect(scanned.origin + scanned.pathname).toBe(`${browsing.product.url}/e/F3B-01-001`);
    expect(scanned.searchParams.get('k')).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const technician = await browsing.session(phone);
    await technician.page.goto(decoded!);
    // Signed out, the label opens the problem report form; who works there signs in from it and stays on the address.
    await technician.page.getByRole('button', { name: 'Sign in' }).click();
    await technician.page.getByLabel('Username').fill('tech1');
    await technician.page.getByLabel('Password', { exact: true }).fill(demoPassword);
    await technician.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await technician.page.getByRole('heading', { name: 'F3B-01-001' }).waitFor();
    await technician.page.getByText('Fit', { exact: true }).first().waitFor();
    expect(await seriousAccessibilityProblems(technician.page)).toEqual([]);
    await screenshot(technician.page, 'machine-at-hand-phone');
    await technician.page
      .getByRole('link', { name: /^Start the daily checklist/ })
      .first()
      .click();
    await technician.page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    expect(technician.page.url()).toMatch(/\/records\/LAB01\/LAB01\d{6,}$/);

    await visit(technician.page, '/e/F3B-02-001');
    await technician.page.getByRole('heading', { name: 'Machine not found' }).waitFor();
    await technician.page.getByText('There is no machine F3B-02-001 that you can see.').waitFor();
    // The browser logs the 404 that says so; it is the only error, and it is the answer by design.
    expect(technician.consoleErrors).toEqual([expect.stringContaining('404 (Not Found) (http://localhost')]);
    technician.consoleErrors.length = 0;

    // Without a camera detector the Scan button asks for the serial number.
    await visit(technician.page, '/');
    await technician.page.getByRole('button', { name: 'Scan' }).click();
    await technician.page.getByLabel('Serial number').fill('ref-t-02');
    await technician.page.getByRole('button', { name: 'Open the machine' }).click();
    await technician.page.getByRole('heading', { name: 'REF-T-02' }).waitFor();
    await technician.page.getByText(/^Not fit for use: /).waitFor();
    await technician.page.getByRole('link', { name: 'LAB01-NC-000001' }).waitFor();
  });
});

describe('the app offline', () => {
  it('keeps the dashboard and a checklist readable, keeps typed answers across a reload, refuses to sign until the connection is back, then signs them', async () => {
    const admin = await browsing.product.signedIn('admin');
    // A browser set to Tokyo: the banner still speaks in the lab's time, with the lab's zone.
    const offlineSession = await browsing.session({ ...phone, serviceWorkers: 'allow', timezoneId: 'Asia/Tokyo' });
    const { page, context } = offlineSession;
    const manifest = await (await page.request.get('/manifest.webmanifest')).json();
    expect(manifest).toMatchObject({
      name: 'EquipManSys',
      display: 'standalone',
      icons: expect.arrayContaining([expect.objectContaining({ sizes: '512x512' })]),
    });

    await signIn(page, 'tech1', demoPassword);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // Controlled from now on: what the app reads passes through the service worker and is kept.
    await page.reload();
    await settled(page);
    expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
    const rows = (await admin.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard')).body.items;
    const row = rows.find((candidate) => candidate.status === 'Open' && candidate.frequency === 'Weekly')!;
    const { body: record } = await admin.get<PmRecord>(`/api/labs/LAB01/records/${row.recordNumber}`);
    await page.goto(`/records/LAB01/${record.recordNumber}`);
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    await page.goto('/');
    await settled(page);

    await context.setOffline(true);
    await page.reload();
    await settled(page);
    await page.getByText(/^Offline: showing what this device last read, at .+ E[SD]T\./).waitFor();
    await page.getByText(record.serialNumber).first().waitFor();
    await screenshot(page, 'offline-dashboard-phone');

    // A page this device never read: nothing was typed or signed, so nothing is said to be kept.
    const unread = rows.find((candidate) => candidate.recordNumber !== record.recordNumber)!;
    await page.goto(`/records/LAB01/${unread.recordNumber}`);
    await page.getByText('The server cannot be reached and this device has kept no copy of this page.').first().waitFor();
    expect(await page.getByText(/What you typed is kept/).count()).toBe(0);

    await page.goto(`/records/LAB01/${record.recordNumber}`);
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    for (const task of record.tasks) {
      if (task.kind === 'check') await page.locator(`#task-${task.taskId}`).check();
      else await page.locator(`#task-${task.taskId}`).fill(String(((task.min ?? 1) + (task.max ?? 1)) / 2));
    }
    // Kept as it is typed: the last tick is in the tab's storage at once, before any reload.
    const kept = await page.evaluate(
      (key) => JSON.parse(sessionStorage.getItem(key) ?? 'null') as { answers: Record<string, { done: boolean }> } | null,
      `equipmansys.draft:record:LAB01:${record.recordNumber}`,
    );
    for (const task of record.tasks.filter((candidate) => candidate.kind === 'check')) expect(kept?.answers[task.taskId]?.done, task.taskId).toBe(true);
    await page.reload();
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    // The kept answers are put back once the page has drawn the record: wait for them rather than read at once.
    for (const task of record.tasks.filter((candidate) => candidate.kind === 'check'))
      await expect.poll(() => page.locator(`#task-${task.taskId}`).isChecked(), { timeout: 15_000 }).toBe(true);
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText(/signing and saving need the connection/).waitFor();
    await screenshot(page, 'offline-signing-phone');
    expect((await admin.get<PmRecord>(`/api/labs/LAB01/records/${record.recordNumber}`)).body.status).toBe('Open');

    await context.setOffline(false);
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText('Signed and completed.').waitFor();
    const stored = (await admin.get<PmRecord>(`/api/labs/LAB01/records/${record.recordNumber}`)).body;
    expect(stored.status).toBe('Completed');
    expect(stored.responses.filter((response) => response.done)).toHaveLength(record.tasks.length);
    // Offline, the browser logs every request that could not go out: expected here, and only here.
    offlineSession.consoleErrors.length = 0;
  });
});

describe('nonconformities in the browser', () => {
  it('a technician marks a task "Fault found" with a note and a photo, signs, and sees the machine quarantined', async () => {
    const admin = await browsing.product.signedIn('admin');
    const rows = (await admin.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard')).body.items;
    const row = rows.find((candidate) => candidate.status === 'Open' && candidate.frequency === 'Daily' && candidate.serialNumber.startsWith('F3B-'))!;
    const { body: record } = await admin.get<PmRecord>(`/api/labs/LAB01/records/${row.recordNumber}`);

    const { page } = await browsing.session(phone);
    await signIn(page, 'tech1', demoPassword);
    await visit(page, `/records/LAB01/${record.recordNumber}`);
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    for (const task of record.tasks) {
      if (task.kind === 'check') await page.locator(`#task-${task.taskId}`).check();
      else await page.locator(`#task-${task.taskId}`).fill(String(((task.min ?? 20) + (task.max ?? 20)) / 2));
    }
    const faulty = record.tasks[0]!;
    await page.locator(`#task-${faulty.taskId}-fault`).check();
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    // The note is required once a fault is marked: nothing is signed without it.
    await page.locator(`#task-${faulty.taskId}-error`).waitFor();
    await page.locator(`#task-${faulty.taskId}-note`).fill('Resin tank cracked along the corner');
    await page.getByLabel('Photo of the fault (optional)').setInputFiles({ name: 'crack.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'fault-found-phone');
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText(/^Fault reported: nonconformity LAB01-NC-\d{6} is open/).waitFor();
    await page.getByText('fault found', { exact: true }).waitFor();
    await page.getByRole('link', { name: /^LAB01-NC-\d{6}$/ }).click();
    await settled(page);
    await page.getByText('Resin tank cracked along the corner', { exact: false }).first().waitFor();
    await page.getByRole('link', { name: 'crack.jpg' }).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'nonconformity-technician-phone');

    await visit(page, `/equipment/LAB01/${record.serialNumber}/calibration`);
    await page
      .getByText(/open nonconformity/)
      .first()
      .waitFor();
    const machine = await admin.get<{ status: string; fitness: { reasons: string[] } }>(`/api/labs/LAB01/equipment/${record.serialNumber}`);
    expect(machine.body.status).toBe('Out of Service');
    expect(machine.body.fitness.reasons).toContain('open nonconformity');
    // A technician neither disposes nor returns to service.
    expect(await page.getByRole('button', { name: 'Return to service' }).count()).toBe(0);
  });

  it('a manager disposes each item of the demo finding, in both labs, and returns the standard to service after an approved calibration', async () => {
    const admin = await browsing.product.signedIn('admin');
    const { page } = await browsing.session(phone);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/nonconformities');
    await page.getByRole('heading', { name: "Awaiting this lab's disposition" }).waitFor();
    await page.getByRole('link', { name: 'LAB01-NC-000001' }).first().click();
    await settled(page);
    const nc = (await admin.get<Nonconformity>('/api/labs/LAB01/nonconformities/LAB01-NC-000001')).body;
    expect(nc.items.map((item) => item.labId).sort()).toEqual(['LAB01', 'LAB02']);
    for (const item of nc.items) {
      const form = page.getByRole('form', { name: `Disposition of ${item.reference}` });
      await form.getByLabel(`Disposition of ${item.reference}`).selectOption(item.labId === 'LAB02' ? 'Recalibrate' : 'No impact');
      await form
        .getByLabel('Reason')
        .fill(item.labId === 'LAB02' ? 'Recalibrate the Chicago oven against REF-T-01' : 'Within the oven’s own tolerance even with the drift');
      await form.getByLabel('Your password, to sign').fill(demoPassword);
      await form.getByRole('button', { name: 'Sign the disposition' }).click();
      await page.getByText(`${item.reference}: disposition signed.`).waitFor();
    }
    expect(await page.getByRole('form', { name: /^Disposition of/ }).count()).toBe(0);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'nonconformity-disposed-phone');

    // A passing calibration of the standard, recorded today and approved by someone else.
    // LAB01 keeps Boston time: its date, not the UTC one.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
    const recorded = await admin.post<Calibration>('/api/labs/LAB01/equipment/REF-T-02/calibrations', {
      performedOn: today,
      kind: 'internal',
      asFound: [
        { pointId: 'P1', value: 700.1, uncertainty: 0.2 },
        { pointId: 'P2', value: 1000.1, uncertainty: 0.2 },
      ],
      adjusted: false,
      signature: { password: demoPassword },
    });
    expect(recorded.status, recorded.text).toBe(201);
    expect(
      (
        await admin.post(`/api/labs/LAB01/equipment/REF-T-02/calibrations/${recorded.body.calibrationNumber}/approval`, {
          decision: 'approve',
          signature: { password: demoPassword },
        })
      ).status,
    ).toBe(409);
    const manager = await browsing.product.signedIn('manager1');
    expect(
      (
        await manager.post(`/api/labs/LAB01/equipment/REF-T-02/calibrations/${recorded.body.calibrationNumber}/approval`, {
          decision: 'approve',
          signature: { password: demoPassword },
        })
      ).status,
    ).toBe(200);

    await visit(page, '/equipment/LAB01/REF-T-02/calibration');
    await page.getByRole('button', { name: 'Return to service' }).click();
    await page.getByLabel('Approved calibration that verifies it').selectOption(recorded.body.calibrationNumber);
    await page.getByRole('dialog').getByLabel('What was repaired or verified').fill('Recalibrated against the lab standard: within limits as found');
    await page.getByRole('dialog').getByLabel('Your password, to sign').fill(demoPassword);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'return-to-service-phone');
    await page.getByRole('button', { name: 'Sign and return to service' }).click();
    await page.getByText('REF-T-02 is back in service, verified by your signature.').waitFor();
    const standard = await admin.get<{ status: string; fitness: { state: string } }>('/api/labs/LAB01/equipment/REF-T-02');
    expect(standard.body).toMatchObject({ status: 'In Service', fitness: { state: 'fit' } });
  });

  it('an administrator gives a model its return-to-service checks in the model editor, and saving again keeps them', async () => {
    const admin = await browsing.product.signedIn('admin');
    const { page } = await browsing.session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, '/models/DWX-52DCi');
    await page.getByRole('button', { name: 'Add a return-to-service check' }).click();
    const checks = page.locator('fieldset.return-checks');
    await checks.getByLabel('Task 1', { exact: true }).fill('Mill the test block and measure it');
    await page.getByRole('button', { name: 'Save model' }).click();
    await page.getByText(/^Saved as version \d+\./).waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    const saved = (await admin.get<Model>('/api/models/DWX-52DCi')).body;
    expect(saved.returnToServiceChecks).toEqual([{ taskId: 'R1', text: 'Mill the test block and measure it', kind: 'check' }]);
    await page.getByLabel('Manufacturer').fill(`${saved.manufacturer} `);
    await page.getByRole('button', { name: 'Save model' }).click();
    await page.getByText(/^Saved as version \d+\./).waitFor();
    expect((await admin.get<Model>('/api/models/DWX-52DCi')).body.returnToServiceChecks).toHaveLength(1);
  });
});

describe('reminders in the browser', () => {
  it('a technician gives an address and chooses a digest on a phone; the e-mail’s unsubscribe link stops it without signing in; an administrator reads the outbox', async () => {
    const { page } = await browsing.session(phone);
    await signIn(page, 'tech2', demoPassword);
    await visit(page, '/notifications');
    await page.getByLabel('E-mail address').fill('theo@demo.example');
    await page.getByLabel('LAB02 · Chicago Dental Lab').check();
    await page.getByLabel('Mention me in the lab’s Teams channel').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your notifications are saved.').waitFor();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    const tech2 = await browsing.product.signedIn('tech2');
    expect((await tech2.get('/api/me/notifications')).body).toMatchObject({
      email: 'theo@demo.example',
      digestLabs: ['LAB02'],
      channels: { email: true, teams: true },
      saved: true,
    });

    const { runLabNotifications } = await import('../shared/notifications/notification-runs.js');
    // The digest is due from 06:00 in the lab: a run at noon Chicago time of today.
    const noon = new Date(`${labDaysAgo('LAB02', 0)}T18:00:00Z`);
    const run = await runLabNotifications('LAB02', noon);
    expect(run?.digest).toMatchObject({ outcome: 'delivered', failed: 0 });

    const { page: adminPage } = await browsing.session(desktop);
    await signIn(adminPage, 'admin', demoPassword);
    await visit(adminPage, '/outbox');
    const row = adminPage.getByRole('row').filter({ hasText: 'theo@demo.example' }).first();
    await row.getByRole('button', { name: /Chicago Dental Lab \(LAB02\)/ }).click();
    const body = await adminPage.locator('.message-body').textContent();
    expect(body).toContain('Good morning Theo Technician');
    const link = /(http:\/\/localhost:\d+\/unsubscribe\?token=\S+)/.exec(body ?? '')![1]!;
    expect(await seriousAccessibilityProblems(adminPage)).toEqual([]);

    const { page: mailReader } = await browsing.session(phone);
    await mailReader.goto(link);
    await mailReader.getByRole('button', { name: 'Stop these e-mails' }).click();
    await mailReader.getByText('You will no longer receive the daily digest of LAB02.').waitFor();
    await screenshot(mailReader, 'unsubscribed-phone');
    expect((await tech2.get('/api/me/notifications')).body).toMatchObject({ digestLabs: [] });
  });
});
