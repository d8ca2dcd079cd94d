import { describe, expect, it } from 'vitest';
import { desktop, phone, screenshot, seriousAccessibilityProblems } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';

/** An empty installation in Chromium: from the setup screen to the first Administrator's dashboard. */
const token = 'browser-setup-token-5678';
const browsing = browserProductForFile({ environment: { SEED_DEMO_DATA: 'false', SETUP_TOKEN: token } });

describe('a new installation in the browser', () => {
  it('opens on the setup screen, says a wrong token is wrong, and with the right one signs the first Administrator in', async () => {
    const phoneSession = await browsing.session(phone);
    await phoneSession.page.goto('/');
    await phoneSession.page.getByRole('heading', { name: 'Set up EquipManSys' }).waitFor();
    expect(await seriousAccessibilityProblems(phoneSession.page)).toEqual([]);
    await screenshot(phoneSession.page, 'setup-phone');

    const opened = await browsing.session(desktop);
    const { page } = opened;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Set up EquipManSys' }).waitFor();
    await page.getByLabel('Setup token').fill('not the token');
    await page.getByLabel('Lab id').fill('hq01');
    await page.getByLabel('Lab name').fill('Headquarters Lab');
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByLabel('Username').fill('firstadmin');
    await page.getByLabel('First name').fill('Frieda');
    await page.getByLabel('Last name').fill('First');
    await page.getByLabel('Password', { exact: true }).fill('a first admin password');
    await page.getByRole('button', { name: 'Set up and sign in' }).click();
    await page.getByText('The setup token is not correct').waitFor();
    await screenshot(page, 'setup-wrong-token-desktop');

    await page.getByLabel('Setup token').fill(token);
    await page.getByRole('button', { name: 'Set up and sign in' }).click();
    await page.getByRole('heading', { name: 'Today · Headquarters Lab' }).waitFor();
    expect(await page.locator('header.app-header').textContent()).toContain('Frieda First · Administrator');
    await screenshot(page, 'setup-first-administrator-dashboard-desktop');

    // Set up once: the phone, reloaded, now offers sign-in.
    await phoneSession.page.reload();
    await phoneSession.page.getByLabel('Username').waitFor();
    expect(await phoneSession.page.getByRole('heading', { name: 'Set up EquipManSys' }).count()).toBe(0);
  });
});
