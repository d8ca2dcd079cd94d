import { existsSync } from 'node:fs';

export interface DashboardLoadCalls {
  /** Opening the dashboard from another page of the app: what a technician does all day. */
  inApp: number;
  /** Opening the app at the dashboard's address: the session is loaded first. */
  fullLoad: number;
}

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** API calls the web app makes to show the dashboard, counted in Chromium; null without Chromium. */
export async function countDashboardApiCalls(url: string, username: string, password: string): Promise<DashboardLoadCalls | null> {
  if (!existsSync(chromiumPath)) return null;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    // The service worker passes each of the app's reads on one for one; with it running Chromium
    // reports a read twice (the page's and the worker's), so the count is taken without it.
    const page = await browser.newPage({ baseURL: url, serviceWorkers: 'block' });
    let calls = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) calls += 1;
    });
    const settled = () => page.waitForFunction(() => document.querySelectorAll('.loading').length === 0 && document.querySelector('main') !== null);
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('header.app-header').waitFor();
    await page.goto('/password');
    await settled();
    calls = 0;
    await page.getByRole('link', { name: 'Today' }).first().click();
    await page.locator('.work-rows').first().waitFor();
    await settled();
    const inApp = calls;
    calls = 0;
    await page.goto('/');
    await page.locator('.work-rows').first().waitFor();
    await settled();
    return { inApp, fullLoad: calls };
  } finally {
    await browser.close();
  }
}
