import { describe, expect, it } from 'vitest';
import type { Model } from '../shared/schemas/catalog.js';
import type { Meter, ReadingResult } from '../shared/schemas/meters.js';
import { desktop, phone, screenshot, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** Maintenance by use in the web app (SPEC §15): the model editor's usage schedules, and why a usage record is due on Today and its page. */
const browsing = browserProductForFile();
const modelId = 'Whichever Mill';

describe('usage schedules in the web app', () => {
  it('URS-146 a manager gives a usage schedule its months alternative in the model editor; saving keeps the schedules; a wrong number is named by its label', async () => {
    const admin = await browsing.product.signedIn('admin');
    const created = await admin.post<Model>('/api/models', {
      modelId,
      manufacturer: 'Roland DGA',
      equipmentClass: 'Mill',
      frequencies: { Daily: { tasks: [{ text: 'Clean the chamber', kind: 'check' }] } },
      usageSchedules: [
        {
          meter: 'Spindle hours',
          every: 500,
          dueWithin: { days: 14 },
          tasks: [
            { text: 'Replace the spindle bearings', kind: 'check' },
            { text: 'Runout', kind: 'reading', unit: 'µm', max: 3 },
          ],
        },
      ],
    });
    expect(created.status, created.text).toBe(201);
    const { page } = await browsing.session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, `/models/${encodeURIComponent(modelId)}`);
    const schedule = page.locator('.usage-schedule');
    await expect(schedule.getByLabel('Meter').inputValue()).resolves.toBe('Spindle hours');
    await schedule.getByLabel('Or every (months)').fill('six');
    await page.getByRole('button', { name: 'Save model' }).click();
    await page.locator('.alert.error').first().waitFor();
    expect(await page.locator('.alert.error').first().textContent()).toContain(
      'Usage schedule 1 or every months must be a whole number of months from 1 to 120',
    );
    await expect(schedule.locator('.field-error').first().textContent()).resolves.toContain('must be a whole number of months from 1 to 120');
    await schedule.getByLabel('Or every (months)').fill('6');
    await page.getByRole('button', { name: 'Save model' }).click();
    await page.getByText('Saved as version 2').waitFor();
    await screenshot(page, 'model-usage-schedule-desk');
    const saved = await admin.get<Model>(`/api/models/${encodeURIComponent(modelId)}`);
    expect(saved.body.usageSchedules).toEqual([
      expect.objectContaining({
        scheduleId: 'U1',
        meter: 'Spindle hours',
        every: 500,
        orEveryMonths: 6,
        dueWithin: { days: 14 },
        tasks: [expect.objectContaining({ taskId: 'T1', kind: 'check' }), expect.objectContaining({ taskId: 'T2', kind: 'reading', unit: 'µm', max: 3 })],
      }),
    ]);
  });

  it('URS-144 Today and the record page say why a usage record is due: the meter passed its units', async () => {
    const manager = await browsing.product.signedIn('manager1');
    expect((await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'WM-WEB-1', modelId })).status).toBe(201);
    const meter = await manager.post<Meter>('/api/labs/LAB01/equipment/WM-WEB-1/meters', { name: 'Spindle hours', unit: 'h' });
    const path = `/api/labs/LAB01/equipment/WM-WEB-1/meters/${meter.body.meterId}/readings`;
    await manager.post(path, { value: 100 });
    const passed = await manager.post<ReadingResult>(path, { value: 620 });
    expect(passed.body.recordsOpened).toHaveLength(1);
    const { page } = await browsing.session(phone);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, `/records/LAB01/${passed.body.recordsOpened[0]}`);
    await page.getByText('Spindle hours passed 500 h').waitFor();
    await screenshot(page, 'usage-record-phone');
    await visit(page, '/');
    // Due in 14 days, the row is in a group folded away below today's.
    const row = page.locator('li', { hasText: 'WM-WEB-1' });
    await row.locator('.frequency').first().waitFor({ state: 'attached' });
    expect(await row.locator('.frequency').first().textContent()).toBe('Usage: passed 500 h');
  });
});
