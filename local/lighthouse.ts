import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allCategories, auditWithLighthouse } from './lighthouse-audit.js';
import { startLocalProduct } from './product.js';

/**
 * `npm run lighthouse`: Lighthouse's four scores (performance, accessibility, best practices, SEO)
 * on the sign-in page, Today on a phone and the equipment list at a desk, with Debian's Chromium,
 * against a product of its own on the demo company in a temporary folder. Figures are printed, never
 * asserted (test/web-app-lighthouse.test.ts holds accessibility at 100 and best practices at 95); the last
 * line is one JSON object.
 */
async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-lighthouse-data-'));
  Object.assign(process.env, { PORT: '0', LOCAL_DATA_DIR: dataDir });
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  try {
    const password = product.demo?.password;
    if (!password) throw new Error('The demo company was not created, so there is no one to sign in as.');
    const audits = await auditWithLighthouse(product.url, password, allCategories);
    const width = Math.max(...audits.map((audit) => audit.page.name.length));
    console.log(`${'Page'.padEnd(width)}  ${allCategories.map((category) => category.padStart(14)).join('')}`);
    for (const { page, scores } of audits) {
      console.log(`${page.name.padEnd(width)}  ${allCategories.map((category) => String(scores[category] ?? '-').padStart(14)).join('')}`);
    }
    for (const { page, failed } of audits) {
      for (const audit of failed) console.log(`${page.name} · ${audit.category} · ${audit.title}${audit.items.length ? `: ${audit.items.join(' | ')}` : ''}`);
    }
    console.log(JSON.stringify(Object.fromEntries(audits.map(({ page, scores }) => [page.name, scores]))));
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`Lighthouse did not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
