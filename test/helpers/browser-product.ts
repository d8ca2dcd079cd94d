import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchBrowser, openSession, type BrowserSession, type Viewport } from './browser.js';
import { startTestProduct, type TestProduct } from './test-product.js';

export interface BrowserProduct {
  /** The product, once the file's first beforeAll has run. */
  readonly product: TestProduct;
  /** A fresh browser context on the product, closed and checked when the test that opened it ends. */
  session: (viewport: Viewport) => Promise<BrowserSession>;
}

/**
 * A product and Chromium for one browser test file. When a test ends, every session it opened is
 * closed (an open page keeps its renderer busy for the rest of the file) and must have loaded only
 * this origin's scripts and styles with nothing refused or thrown (and, with `noConsoleErrors`,
 * logged no error at all). When the file ends, the browser and the product stop.
 */
export function browserProductForFile(options: { environment?: Record<string, string>; noConsoleErrors?: boolean } = {}): BrowserProduct {
  let product: TestProduct | undefined;
  let browser: Browser | undefined;
  const sessions: BrowserSession[] = [];
  beforeAll(async () => {
    product = await startTestProduct(options.environment);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    const ended = sessions.splice(0);
    for (const each of ended) await each.context.close();
    for (const each of ended) {
      expect(each.problems).toEqual([]);
      if (options.noConsoleErrors) expect(each.consoleErrors).toEqual([]);
    }
  });
  afterAll(async () => {
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
