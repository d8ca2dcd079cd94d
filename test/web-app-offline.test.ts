import { describe, expect, it } from 'vitest';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { phone, screenshot, settled, signIn } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/** The installable app in a dead spot (SPEC §11): Chromium on a phone, its network switched off and on. */
const browsing = browserProductForFile();

describe('the app offline', () => {
  it('keeps the dashboard and a checklist readable, keeps typed answers across a reload, refuses to sign until the connection is back, then signs them', async () => {
    const admin = await browsing.product.signedIn('admin');
    const { page, context } = await browsing.session({ ...phone, serviceWorkers: 'allow' });
    const manifest = await (await page.request.get('/manifest.webmanifest')).json();
    expect(manifest).toMatchObject({ name: 'EquipManSys', display: 'standalone', icons: expect.arrayContaining([expect.objectContaining({ sizes: '512x512' })]) });

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
    await page.getByText(/^Offline: showing what this device last read, at /).waitFor();
    await page.getByText(record.serialNumber).first().waitFor();
    await screenshot(page, 'offline-dashboard-phone');

    await page.goto(`/records/LAB01/${record.recordNumber}`);
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    for (const task of record.tasks) {
      if (task.kind === 'check') await page.locator(`#task-${task.taskId}`).check();
      else await page.locator(`#task-${task.taskId}`).fill(String(((task.min ?? 1) + (task.max ?? 1)) / 2));
    }
    await page.reload();
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    for (const task of record.tasks.filter((candidate) => candidate.kind === 'check')) expect(await page.locator(`#task-${task.taskId}`).isChecked()).toBe(true);
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
  });
});
