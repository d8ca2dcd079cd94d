import { describe, expect, it } from 'vitest';
import type { Calibration } from '../shared/schemas/calibration.js';
import type { Model } from '../shared/schemas/catalog.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { desktop, phone, screenshot, seriousAccessibilityProblems, settled, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** Nonconformities in Chromium on a phone (SPEC §10), on the demo company. */
const browsing = browserProductForFile({ noConsoleErrors: true });

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF fault photo'), Buffer.alloc(2000, 1)]);

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
    await page.getByText(/open nonconformity/).first().waitFor();
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
      await form.getByLabel('Reason').fill(item.labId === 'LAB02' ? 'Recalibrate the Chicago oven against REF-T-01' : 'Within the oven’s own tolerance even with the drift');
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
    expect((await admin.post(`/api/labs/LAB01/equipment/REF-T-02/calibrations/${recorded.body.calibrationNumber}/approval`, { decision: 'approve', signature: { password: demoPassword } })).status).toBe(409);
    const manager = await browsing.product.signedIn('manager1');
    expect((await manager.post(`/api/labs/LAB01/equipment/REF-T-02/calibrations/${recorded.body.calibrationNumber}/approval`, { decision: 'approve', signature: { password: demoPassword } })).status).toBe(200);

    await visit(page, '/equipment/LAB01/REF-T-02/calibration');
    await page.getByRole('button', { name: 'Return to service' }).click();
    await page.getByLabel('Approved calibration that verifies it').selectOption(recorded.body.calibrationNumber);
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
