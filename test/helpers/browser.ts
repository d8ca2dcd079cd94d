import type { AxeResults, RunOptions } from 'axe-core';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; .ci/run installs it with apt-get when it is missing. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join('test-output', 'screenshots');

export const phone = { width: 390, height: 844 };
export const desktop = { width: 1280, height: 900 };
/** A 1280 × 800 laptop screen with the browser's zoom at 200 %: half the CSS pixels, each drawn twice as large. */
export const zoomed200 = { width: 640, height: 400, deviceScaleFactor: 2 };

export interface Viewport {
  width: number;
  height: number;
  deviceScaleFactor?: number;
  /** The browser's own time zone (IANA), where a test sets one apart from the machine's. */
  timezoneId?: string;
  /**
   * The app's service worker answers the requests of the pages it controls, where a test's own
   * routing (page.route) would not see them: it runs only where a test asks for it (the offline test).
   */
  serviceWorkers?: 'allow' | 'block';
}

/**
 * Headless Chromium opens every browser context in a window of its own, and each window starts two
 * renderers for its address bar's popup (chrome://omnibox-popup.top-chrome) that no test ever sees:
 * without them the browser files take about a fifth less time on two cores. Chromium keeps only the
 * last --disable-features it is given, so the list repeats the features Playwright turns off itself
 * (playwright-core 1.65, chromiumSwitches) before adding the popups.
 */
const disabledFeatures = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
];

export async function launchBrowser(): Promise<Browser> {
  await mkdir(screenshotDir, { recursive: true });
  // The sandbox needs user namespaces that CI containers running as root do not have.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', `--disable-features=${disabledFeatures.join(',')}`] });
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy refusals and uncaught errors seen so far. */
  problems: string[];
  /**
   * Every error the console showed, a failed request included ("Failed to load resource: 404"): a
   * plain walk through the pages has none; flows that provoke a refusal on purpose do not check it.
   */
  consoleErrors: string[];
}

export async function openSession(
  browser: Browser,
  baseUrl: string,
  { deviceScaleFactor, timezoneId, serviceWorkers = 'block', ...viewport }: Viewport,
): Promise<BrowserSession> {
  const context = await browser.newContext({ viewport, deviceScaleFactor, baseURL: baseUrl, serviceWorkers, ...(timezoneId ? { timezoneId } : {}) });
  const page = await context.newPage();
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // A busy database answers 503 with Retry-After by design, and the app reads again after it.
    if (/status of 503/.test(message.text())) return;
    consoleErrors.push(`${message.text()} (${message.location().url || page.url()})`);
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  // A page calls only what its reader's role may read: a refusal would be an error on screen and an
  // access.denied entry in the audit trail in their name. Sign-in answers 403 to a disabled account,
  // setup to a wrong token.
  const answersForbiddenByDesign = new Set(['/api/auth/login', '/api/setup']);
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (response.status() === 403 && pathname.startsWith('/api/') && !answersForbiddenByDesign.has(pathname))
      problems.push(`403 from ${response.request().method()} ${pathname}`);
  });
  return { context, page, problems, consoleErrors };
}

/**
 * Signs in as a person would: a sign-in refused because the database was busy (503, "try again") is
 * tried again, as the message asks; any other refusal fails with its words rather than a timeout.
 */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  for (let attempt = 1; ; attempt += 1) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('header.app-header, .alert.error').first().waitFor();
    if (await page.locator('header.app-header').isVisible()) return;
    const refusal = (await page.locator('.alert.error').first().textContent()) ?? '';
    if (attempt >= 3 || !/busy/i.test(refusal)) throw new Error(`Sign-in of ${username} was refused: ${refusal}`);
  }
}

/** Waits until the page has nothing left loading. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0 && document.querySelector('#app')?.childElementCount !== 0);
}

export async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await settled(page);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** axe-core as @axe-core/playwright ships it, resolved through that package. */
const axeSource = readFileSync(createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright')).resolve('axe-core/axe.min.js'), 'utf8');
// WCAG 2.1 A and AA, what accessibility law and procurement ask for.
const axeOptions: RunOptions = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] };

/**
 * axe-core's serious and critical findings, each as "rule: target". axe is put into the page and run
 * on its document directly: the app has no frames, and @axe-core/playwright's builder, which injects
 * it into every frame and gathers results through its frame messaging, took twice as long a page.
 */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(
    (options) =>
      (window as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } }).axe
        .run(document, options)
        .then((results) => results.violations),
    axeOptions,
  );
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')} (${violation.help})`));
}

/** Words of table cells that the browser drew across more than one line. */
export function wordsSplitInCells(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const split: string[] = [];
    for (const cell of Array.from(document.querySelectorAll('th, td'))) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        // What a closed <details> holds is not shown, whatever layout the browser keeps for it.
        if (node.parentElement?.closest('details:not([open])')) continue;
        // A line may end after a hyphen ("Local-" / "Audit"), as in print; inside a word it may not.
        for (const match of (node.textContent ?? '').matchAll(/[^\s-]+-?/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          if (new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size > 1) split.push(match[0]);
        }
      }
    }
    return split;
  });
}
