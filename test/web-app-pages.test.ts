import { beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../shared/schemas/catalog.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { PmRecord } from '../shared/schemas/records.js';
import type { ApiClient } from './helpers/api-client.js';
import { desktop, phone, screenshot, seriousAccessibilityProblems, signIn, visit, wordsSplitInCells, zoomed200 } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { demoPassword } from './helpers/test-product.js';

/**
 * Every page of every demo role, at a phone's and a desk's width: nothing wider than the screen, no
 * word split over two lines at a desk, a screenshot of each, and axe's serious and critical findings.
 * A file of its own, so that it runs beside the flows of web-app.test.ts.
 */
// A plain walk, sign-in included, logs no error at all: no failed request, no missing icon.
const browsing = browserProductForFile({ noConsoleErrors: true });
const session = browsing.session;
let admin: ApiClient;

beforeAll(async () => {
  admin = await browsing.product.signedIn('admin');
});

describe('every page', () => {
  const pagesOf: Record<string, string[]> = {
    admin: [
      '/',
      '/equipment',
      '/calibration',
      '/equipment/LAB01/PS2-01-011/calibration',
      '/nonconformities',
      '/nonconformities/LAB01/LAB01-NC-000001',
      '/models',
      '/models/new',
      '/users',
      '/audit',
      '/reports',
      '/labs',
      '/integrations',
      '/generator',
      '/outbox',
      '/notifications',
      '/password',
    ],
    auditor: [
      '/',
      '/equipment',
      '/calibration',
      '/equipment/LAB01/PS2-01-011/calibration',
      '/nonconformities',
      '/models',
      '/users',
      '/audit',
      '/reports',
      '/generator',
      '/password',
    ],
    manager1: [
      '/',
      '/equipment',
      '/calibration',
      '/equipment/LAB01/PS2-01-011/calibration',
      '/nonconformities',
      '/nonconformities/LAB01/LAB01-NC-000001',
      '/models',
      '/users',
      '/audit',
      '/reports',
      '/password',
    ],
    localaudit1: ['/', '/equipment', '/calibration', '/equipment/LAB01/PS2-01-011/calibration', '/models', '/users', '/audit', '/reports'],
    tech1: [
      '/',
      '/calibration',
      '/equipment/LAB01/PS2-01-011/calibration',
      '/nonconformities',
      '/nonconformities/LAB01/LAB01-NC-000001',
      '/notifications',
      '/password',
    ],
  };

  let detailPages: string[] = [];
  beforeAll(async () => {
    const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&pageSize=1');
    const { body: machines } = await admin.get<{ items: Equipment[] }>('/api/labs/LAB01/equipment');
    const { body: models } = await admin.get<{ items: Model[] }>('/api/models');
    detailPages = [
      `/records/LAB01/${open.items[0]!.recordNumber}`,
      `/equipment/LAB01/${machines.items[0]!.serialNumber}`,
      `/models/${encodeURIComponent(models.items[0]!.modelId)}`,
    ];
  });

  // axe reads every page once where it is worked: the administrator's at a desk (who sees every page
  // and every control) and the technician's on a phone, where they work. The administrator's and the
  // technician's pages are walked at both widths, for overflow and split words, and photographed. The
  // managers' and auditors' pages are the administrator's with less on them (the calibration and
  // record flows check the managers' own dialogs): they are walked on a phone, where a page that
  // overflows would show it first. The nonconformity pages, the same for every reader, are walked by
  // the roles that act on them and one auditor.
  const checkedByAxe = new Set(['admin desktop', 'tech1 phone']);
  const everyWidth = new Set(['admin', 'tech1']);
  const cases = Object.keys(pagesOf).flatMap((username) =>
    (everyWidth.has(username) ? (['phone', 'desktop'] as const) : (['phone'] as const)).map((viewportName) => ({
      username,
      viewportName,
      axe: checkedByAxe.has(`${username} ${viewportName}`),
    })),
  );
  it.each(cases)(
    'shows every page of $username on a $viewportName (accessibility checked: $axe)',
    async ({ username, viewportName, axe }) => {
      const { page } = await session(viewportName === 'phone' ? phone : desktop);
      await signIn(page, username, demoPassword);
      const paths = pagesOf[username]!;
      const all = username === 'tech1' ? [...paths, detailPages[0]!] : [...paths, ...detailPages];
      const found: string[] = [];
      for (const path of all) {
        await visit(page, path);
        if (axe) found.push(...(await seriousAccessibilityProblems(page)).map((problem) => `${path}: ${problem}`));
        // Nothing wider than the screen: no sideways scrolling on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) found.push(`${path}: ${overflow} px wider than the screen`);
        // At a desk, table cells wrap between words: no word is split over two lines.
        if (viewportName === 'desktop') found.push(...(await wordsSplitInCells(page)).map((word) => `${path}: "${word}" is split over two lines`));
        if (everyWidth.has(username)) await screenshot(page, `${username}-${path.replace(/\//g, '_').replace(/%20/g, '-') || 'home'}-${viewportName}`);
      }
      await page.close();
      expect(found).toEqual([]);
      // The administrator's walk with axe takes about a minute alone, and over twice that beside another browser file.
    },
    300_000,
  );

  it('says every time on every page, on screen and in print, in a lab’s zone with the zone, never as an ISO timestamp, with the browser in Tokyo', async () => {
    // The finder finds what it is there for.
    expect(timesWithoutZone('Opened 2:00 AM by Ann, 2026-12-06T07:00:28Z; due 9:00 PM EST, 7:10 PM GMT+5:30')).toEqual([
      'ISO timestamp 2026-12-06T07:00:28Z',
      expect.stringContaining('Opened 2:00 AM by'),
    ]);
    const { page } = await session({ ...desktop, timezoneId: 'Asia/Tokyo' });
    await signIn(page, 'admin', demoPassword);
    const { body: machines } = await admin.get<{ items: Equipment[] }>('/api/labs/LAB01/equipment');
    const machine = machines.items[0]!.serialNumber;
    const paths = [...pagesOf.admin!, ...detailPages, '/today', '/overview', '/labels', `/e/${machine}`, `/equipment/LAB01/${machine}/calibration`];
    const found: string[] = [];
    for (const path of paths) {
      await visit(page, path);
      for (const media of ['screen', 'print'] as const) {
        await page.emulateMedia({ media });
        found.push(...timesWithoutZone(await page.evaluate(() => document.body.innerText)).map((time) => `${path} (${media}): ${time}`));
      }
      await page.emulateMedia({ media: 'screen' });
    }
    await page.close();
    expect(found).toEqual([]);
  }, 300_000);

  it('fits every page of an administrator on a laptop screen with the browser zoomed to 200 %', async () => {
    const { page } = await session(zoomed200);
    await signIn(page, 'admin', demoPassword);
    const found: string[] = [];
    for (const path of [...pagesOf.admin!, ...detailPages]) {
      await visit(page, path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) found.push(`${path}: ${overflow} px wider than the screen`);
    }
    await screenshot(page, 'admin-model-zoomed-200');
    await page.close();
    expect(found).toEqual([]);
  }, 120_000);

  it('has no serious or critical accessibility problems on the sign-in page', async () => {
    const { page } = await session(phone);
    await visit(page, '/');
    // An installation with its demo company has Administrators: sign-in, never the setup screen.
    await page.getByLabel('Username').waitFor();
    expect(await page.getByRole('heading', { name: 'Set up EquipManSys' }).count()).toBe(0);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'sign-in-phone');
    // The check itself finds what it is there for: pale text and a field without a label.
    await page.evaluate(() => {
      const pale = Object.assign(document.createElement('p'), { textContent: 'Pale words on white' });
      pale.style.cssText = 'color: #ddd; background: #fff';
      document.querySelector('main')!.append(pale, Object.assign(document.createElement('input'), { type: 'text' }));
    });
    const problems = await seriousAccessibilityProblems(page);
    expect(problems.some((problem) => problem.startsWith('color-contrast:'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('label:'))).toBe(true);
  });
});

/**
 * What a reader would take for a time the lab did not state: an ISO timestamp, or a clock time
 * ("2:00 AM", "14:05") with no zone after it ("EST", "GMT+9", "UTC", in brackets or not).
 */
function timesWithoutZone(text: string): string[] {
  const isoTimestamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[\d:.]*Z?/g;
  const iso = [...text.matchAll(isoTimestamp)].map((match) => `ISO timestamp ${match[0]}`);
  const rest = text.replace(isoTimestamp, '');
  const bare = [...rest.matchAll(/(?<![+-])\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AP]M)?(?![\d:]|\s?\(?(?:[A-Z]{2,5}\b|GMT|UTC))/g)].map(
    (match) => `"${rest.slice(Math.max(0, match.index - 30), match.index + match[0].length + 10).replace(/\s+/g, ' ')}"`,
  );
  return [...iso, ...bare];
}
