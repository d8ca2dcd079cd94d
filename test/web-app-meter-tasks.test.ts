import { describe, expect, it } from 'vitest';
import type { Meter, Reading } from '../shared/schemas/meters.js';
import type { PmRecord } from '../shared/schemas/records.js';
import { phone, screenshot, seriousAccessibilityProblems, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** A checklist's reading task that updates the machine's meter (SPEC §15), on a phone, on the demo company's mill. */
const browsing = browserProductForFile();

describe('a reading task linked to a meter', () => {
  it('URS-149 shows the meter’s last reading, asks replaced or reset for a lower value, and takes the signed value as a reading', async () => {
    const admin = await browsing.product.signedIn('admin');
    const records = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?frequency=Monthly&serialNumber=DWX-01-002&status=Open');
    const record = records.body.items[0]!;
    expect(record.tasks).toMatchObject([{ text: 'Spindle run time', unit: 'h', meter: 'Spindle hours' }]);
    const input = `#task-${record.tasks[0]!.taskId}`;
    const { page } = await browsing.session(phone);
    await signIn(page, 'tech1', demoPassword);
    await visit(page, `/records/LAB01/${record.recordNumber}`);
    await page.getByText('Updates the meter Spindle hours: last read 518 h').waitFor();
    await page.locator(input).fill('12');
    await page.getByText("Lower than the meter's last reading: the meter was").waitFor();
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.locator(`${input}-error`).waitFor();
    expect(await page.locator(`${input}-error`).textContent()).toContain('say whether the meter was replaced or reset');
    await page.getByLabel('Replaced').check();
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'meter-reading-task-phone');
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText('Signed and completed.').waitFor();
    const meters = await admin.get<{ items: Meter[] }>('/api/labs/LAB01/equipment/DWX-01-002/meters');
    expect(meters.body.items[0]).toMatchObject({ value: 12, total: 530 });
    const readings = await admin.get<{ items: Reading[] }>(`/api/labs/LAB01/equipment/DWX-01-002/meters/${meters.body.items[0]!.meterId}/readings`);
    expect(readings.body.items[0]).toMatchObject({ value: 12, reason: 'replaced', source: 'task', recordNumber: record.recordNumber, by: 'tech1' });
  });
});
