import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../shared/schemas/api-keys.js';
import type { Webhook } from '../shared/schemas/webhooks.js';
import { desktop, phone, screenshot, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/**
 * The administrators' Integrations page in Chromium. The test machine resolves no public name, so the
 * webhook goes to a loopback address, which this product (as on a developer's machine) accepts.
 */
const browsing = browserProductForFile({ environment: { WEBHOOKS_ALLOW_LOOPBACK: 'true' } });
const session = browsing.session;
const receiver = 'https://localhost/x';

describe('an administrator on the Integrations page', () => {
  it('URS-115 URS-116 creates an API key seen once and revokes it, and subscribes a webhook and disables it, on the Integrations page', async () => {
    const admin = await browsing.product.signedIn('admin');
    for (const viewport of [phone, desktop]) {
      const width = viewport === phone ? 'phone' : 'desktop';
      const { page } = await session(viewport);
      await signIn(page, 'admin', demoPassword);
      await visit(page, '/integrations');

      await page.getByRole('button', { name: 'New API key' }).click();
      const keyDialog = page.getByRole('dialog', { name: 'New API key' });
      await keyDialog.getByLabel('Name').fill(`Power BI ${width}`);
      // A refusal is the API's sentence, and nothing is written.
      await keyDialog.getByRole('button', { name: 'Create key' }).click();
      await keyDialog.locator('.field-error', { hasText: 'must name at least one lab' }).waitFor();
      await keyDialog.getByRole('alert').waitFor();
      await keyDialog.getByLabel('LAB01 · Boston Dental Lab').check();
      await keyDialog.getByLabel('feed:read: read the OData feed').check();
      await keyDialog.getByRole('button', { name: 'Create key' }).click();
      await page.getByText('Copy the key now: it will not be shown again.').waitFor();
      const key = await page.locator('code.secret').textContent();
      expect(key).toMatch(/^ems_[a-f0-9]{16}_/);
      await screenshot(page, `administrator-integrations-key-${width}`);
      const keys = async () => (await admin.get<{ items: ApiKey[] }>('/api/api-keys')).body.items;
      const created = (await keys()).find((each) => each.name === `Power BI ${width}`)!;
      expect(created).toMatchObject({ labIds: ['LAB01'], scopes: ['feed:read'], revokedAt: null });
      // Once dismissed, the key is nowhere on the page.
      await page.getByRole('button', { name: 'Done' }).click();
      expect(await page.getByText(key!).count()).toBe(0);

      await page.getByRole('button', { name: `Revoke Power BI ${width}` }).click();
      const revokeDialog = page.getByRole('dialog', { name: `Revoke Power BI ${width}?` });
      await revokeDialog.getByLabel('Reason').fill('The dashboard moved to an Entra app');
      await revokeDialog.getByRole('button', { name: 'Revoke key' }).click();
      await page.getByText(`The key Power BI ${width} is revoked`).waitFor();
      expect((await keys()).find((each) => each.keyId === created.keyId)!.revokedAt).not.toBeNull();

      await page.getByRole('button', { name: 'New webhook' }).click();
      const hookDialog = page.getByRole('dialog', { name: 'New webhook' });
      await hookDialog.getByLabel('Name').fill(`LIMS ${width}`);
      await hookDialog.getByLabel('machine.quarantined').check();
      // An address inside the network is refused with the API's sentence beside the field.
      await hookDialog.getByLabel('Address').fill('https://169.254.169.254/latest');
      await hookDialog.getByRole('button', { name: 'Create webhook' }).click();
      await hookDialog.getByRole('alert').filter({ hasText: 'URL is refused: Webhooks are not sent inside the network' }).waitFor();
      await hookDialog.getByLabel('Address').fill(receiver);
      await hookDialog.getByRole('button', { name: 'Create webhook' }).click();
      await page.getByText('Copy the signing secret now: it will not be shown again.').waitFor();
      const hooks = async () => (await admin.get<{ items: Webhook[] }>('/api/integrations/webhooks')).body.items;
      const hook = (await hooks()).find((each) => each.name === `LIMS ${width}`)!;
      expect(hook).toMatchObject({ url: receiver, events: ['machine.quarantined'], labIds: null, enabled: true });
      await page.getByRole('button', { name: `Disable LIMS ${width}` }).click();
      await page.getByText(`The webhook LIMS ${width} is disabled`).waitFor();
      expect((await hooks()).find((each) => each.subscriptionId === hook.subscriptionId)!.enabled).toBe(false);
      await page.getByRole('button', { name: `Deliveries to LIMS ${width}` }).click();
      await page.getByText('Nothing delivered yet.').waitFor();
      await screenshot(page, `administrator-integrations-${width}`);
      await page.close();
    }
  });
});
