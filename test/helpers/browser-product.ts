import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser, openSession, type BrowserSession, type Viewport } from './browser.js';
import { startTestProduct, type TestProduct } from './test-product.js';

export interface BrowserProduct {
  /** The product, once the file's first beforeAll has run. */
  readonly product: TestProduct;
  /** A fresh browser context on the product, checked and closed when the file ends. */
  session: (viewport: Viewport) => Promise<BrowserSession>;
}

/**
 * A product and Chromium for one browser test file. When the file ends, every session it opened must
 * have loaded only this origin's scripts and styles with nothing refused or thrown (and, with
 * `noConsoleErrors`, logged no error at all); then everything is closed.
 */
export function browserProductForFile(options: { environment?: Record<string, string>; noConsoleErrors?: boolean } = {}): BrowserProduct {
  let product: TestProduct | undefined;
  let browser: Browser | undefined;
  const sessions: BrowserSession[] = [];
  beforeAll(async () => {
    product = await startTestProduct(options.environment);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const each of sessions) {
      expect(each.problems).toEqual([]);
      if (options.noConsoleErrors) expect(each.consoleErrors).toEqual([]);
      await each.context.close();
    }
    await browser?.close();
    await product?.cleanup();
  });
  return {
    get product() {
      return product!;
    },
    session: async (viewport) => {
      const opened = await openSession(browser!, product!.url, viewport);
      sessions.push(opened);
      return opened;
    },
  };
}
