import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerificationPage } from '../shared/schemas/audit-verification.js';
import type { Model } from '../shared/schemas/catalog.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import type { User } from '../shared/schemas/users.js';
import { dueGroup, dueGroupTitles } from '../static-web/src/due-groups.js';
import type { ApiClient } from './helpers/api-client.js';
import { desktop, phone, screenshot, screenshotDir, seriousAccessibilityProblems, settled, signIn, visit } from './helpers/browser.js';
import { browserProductForFile } from './helpers/browser-product.js';
import { newUserBody } from './helpers/fixtures.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { demoPassword, type TestProduct } from './helpers/test-product.js';

const browsing = browserProductForFile();
const session = browsing.session;
let product: TestProduct;
let admin: ApiClient;

/** Ticks every check and enters a reading inside the limits for every reading task of the form. */
async function answerEveryTask(page: Page, record: PmRecord): Promise<void> {
  for (const task of record.tasks) {
    if (task.kind === 'check') await page.locator(`#task-${task.taskId}`).check();
    else await page.locator(`#task-${task.taskId}`).fill(goodReading(task));
  }
}

/** A value inside the task's limits, so the record completes without a note. */
function goodReading(task: PmRecord['tasks'][number]): string {
  if (task.min !== undefined && task.max !== undefined) return String((task.min + task.max) / 2);
  return String(task.min ?? task.max ?? 1);
}

beforeAll(async () => {
  product = browsing.product;
  admin = await product.signedIn('admin');
});

describe('a technician on a phone', () => {
  it('tells a device paused by a stranger’s guesses that the account’s own devices still sign in', async () => {
    expect((await admin.post('/api/users', newUserBody('guessedat', { requirePasswordChange: false }))).status).toBe(201);
    const { page } = await session(phone);
    await page.goto('/');
    const refusals: string[] = [];
    for (const guess of ['wrong one 1', 'wrong one 2', 'wrong one 3', 'wrong one 4']) {
      // Each answer is read from an alert of its own.
      if (refusals.length > 0)
        await page
          .locator('.alert.error')
          .first()
          .evaluate((alert) => alert.remove());
      await page.getByLabel('Username').fill('guessedat');
      await page.getByLabel('Password', { exact: true }).fill(guess);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('.alert.error').first().waitFor();
      refusals.push((await page.locator('.alert.error').first().textContent()) ?? '');
    }
    expect(refusals[0]).toContain('The username or password is not correct');
    expect(refusals.at(-1)).toMatch(/devices it has not signed in on.*A device this account has signed in on before can sign in now/);
    await screenshot(page, 'sign-in-paused-phone');
  });

  it('opens an open checklist, ticks it off, enters readings and signs it with the password', async () => {
    const { page } = await session(phone);
    await signIn(page, 'tech1', demoPassword);
    await settled(page);
    await screenshot(page, 'technician-dashboard-phone');
    await page.getByLabel('Frequency').selectOption('Daily');
    await page.locator('a.row-link').first().click();
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    const [, , labId, recordNumber] = new URL(page.url()).pathname.split('/');
    const { body: record } = await admin.get<PmRecord>(`/api/labs/${labId}/records/${recordNumber}`);
    expect(record.status).toBe('Open');

    await answerEveryTask(page, record);
    const reading = record.tasks.find((task) => task.kind === 'reading' && task.max !== undefined);
    if (reading) {
      // Out of range: flagged on screen as it is typed, and the server asks for the note.
      const input = page.locator(`#task-${reading.taskId}`);
      await input.fill(String(reading.max! + 10));
      await page.getByText('Outside the limits: say why in the note.').waitFor();
      await page.getByLabel('Your password, to sign').fill(demoPassword);
      await page.getByRole('button', { name: 'Sign and complete' }).click();
      await page.locator(`#task-${reading.taskId}-error`).waitFor();
      expect(await page.locator(`#task-${reading.taskId}-error`).textContent()).toContain('add a note saying why');
      await input.fill(goodReading(reading));
    }
    await screenshot(page, 'technician-record-phone');
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText('Signed and completed.').waitFor();
    expect(await page.locator('.signature-line').textContent()).toMatch(/Performed by Tara Technician \(tech1\)/);
    await screenshot(page, 'technician-record-completed-phone');

    const { body: stored } = await admin.get<PmRecord>(`/api/labs/${labId}/records/${recordNumber}`);
    expect(stored.status).toBe('Completed');
    expect(stored.signature).toMatchObject({ username: 'tech1', meaning: 'Performed by', method: 'password' });
    // Completed records are read-only: no form, no tick boxes.
    expect(await page.locator('form.completion').count()).toBe(0);
    expect(await page.locator('input[type=checkbox]').count()).toBe(0);
  });

  it('keeps what was typed when the session ends mid-form, and returns to it after signing in again', async () => {
    const { page, context } = await session(phone);
    await signIn(page, 'tech1', demoPassword);
    await settled(page);
    await page.locator('a.row-link').first().click();
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    const path = new URL(page.url()).pathname;
    const [, , labId, recordNumber] = path.split('/');
    const { body: record } = await admin.get<PmRecord>(`/api/labs/${labId}/records/${recordNumber}`);
    const check = record.tasks.find((task) => task.kind === 'check');
    const reading = record.tasks.find((task) => task.kind === 'reading');
    if (check) await page.locator(`#task-${check.taskId}`).check();
    const typed = reading ? goodReading(reading) : '';
    await answerEveryTask(page, record);

    // The session is gone (as after the idle timeout): the next request is refused.
    await context.clearCookies();
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText('Your session has ended').waitFor();
    await screenshot(page, 'session-ended-phone');
    await page.getByLabel('Username').fill('tech1');
    await page.getByLabel('Password', { exact: true }).fill(demoPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(path);
    if (check) expect(await page.locator(`#task-${check.taskId}`).isChecked()).toBe(true);
    if (reading) expect(await page.locator(`#task-${reading.taskId}`).inputValue()).toBe(typed);
    // The password is never kept.
    expect(await page.getByLabel('Your password, to sign').inputValue()).toBe('');
    const { body: still } = await admin.get<PmRecord>(`/api/labs/${labId}/records/${recordNumber}`);
    expect(still.status).toBe('Open');
  });
});

describe("a technician's day", () => {
  it('opens on what is due now, soonest first, with overdue and missed work folded below, in one API call, and leads from a signed checklist to the next', async () => {
    for (const viewport of [desktop, phone]) {
      const { page } = await session(viewport);
      const labCalls: string[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/api/labs/')) labCalls.push(path);
      });
      await signIn(page, 'tech1', demoPassword);
      await settled(page);
      expect(labCalls).toEqual(['/api/labs/LAB01/dashboard']);
      await page.getByRole('heading', { name: 'Today · Boston Dental Lab' }).waitFor();

      const { body } = await admin.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard?pageSize=1000');
      const now = Date.now();
      const dueNow = body.items
        .filter((record) => record.status === 'Open' && Date.parse(record.dueEnd) > now)
        .sort((a, b) => a.dueEnd.localeCompare(b.dueEnd) || a.serialNumber.localeCompare(b.serialNumber));
      const missed = body.items.filter((record) => record.status === 'Missed');
      expect(dueNow.length).toBeGreaterThan(2);
      expect(missed.length).toBeGreaterThan(0);
      const shown = await page.locator('section.today .work-rows .machine').allTextContents();
      expect(shown.slice(0, 10)).toEqual(dueNow.slice(0, 10).map((record) => record.serialNumber));
      // The first checklist of the day is on the first screen, not twelve screens down.
      const first = await page.locator('section.today .work-rows a').first().boundingBox();
      expect(first!.y + first!.height).toBeLessThan(viewport.height);
      // What is late is folded away, with its count in words a technician reads.
      expect(await page.locator('details.work-later').evaluateAll((folds) => folds.map((fold) => (fold as HTMLDetailsElement).open))).not.toContain(true);
      const folds = await page.locator('details.work-later summary').allTextContents();
      expect(folds).toContain(`Missed, can still be done late ${missed.length}`);
      // Today's checklists stand apart from the month's and the year's, each later group folded with its count.
      const groups = new Map<string, number>();
      for (const record of dueNow) {
        const group = dueGroup(record.dueEnd, 'America/New_York', new Date(now));
        if (group !== 'today') groups.set(dueGroupTitles[group], (groups.get(dueGroupTitles[group]) ?? 0) + 1);
      }
      expect(groups.size).toBeGreaterThan(0);
      for (const [title, count] of groups) expect(folds).toContain(`${title} ${count}`);
      expect(await page.locator('section.today .work-rows li').count()).toBe(dueNow.length - [...groups.values()].reduce((sum, count) => sum + count, 0));
      await page.getByText('Overdue: past its due time, not yet marked missed.').waitFor();
      await screenshot(page, `today-${viewport === phone ? 'phone' : 'desktop'}`);
      if (viewport === desktop) continue;

      await page.locator('section.today .work-rows a').first().click();
      await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
      const { body: record } = await admin.get<PmRecord>(`/api/labs/LAB01/records/${dueNow[0]!.recordNumber}`);
      await answerEveryTask(page, record);
      await page.getByLabel('Your password, to sign').fill(demoPassword);
      await page.getByRole('button', { name: 'Sign and complete' }).click();
      await page.getByText('Signed and completed.').waitFor();
      const next = page.getByRole('link', { name: `Next: ${dueNow[1]!.serialNumber} · ${dueNow[1]!.frequency}` });
      expect(await next.evaluate((link) => link === document.activeElement)).toBe(true);
      await page.getByRole('link', { name: 'Back to today’s list' }).waitFor();
      await screenshot(page, 'today-signed-leads-on-phone');
      await next.click();
      await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/records/LAB01/${dueNow[1]!.recordNumber}`);
      await page.getByRole('heading', { name: `${dueNow[1]!.frequency} PM · ${dueNow[1]!.serialNumber}` }).waitFor();
    }
  });
});

describe('small things a technician meets', () => {
  it("says when a search matches no checklist, counts a note's characters, and links back after signing", async () => {
    const { page } = await session(phone);
    await signIn(page, 'tech1', demoPassword);
    await settled(page);
    await page.getByLabel('Machine, model or record').fill('no-such-machine-anywhere');
    await page.getByText('No checklist matches “no-such-machine-anywhere”.').waitFor();
    expect(await page.getByText('Nothing is due now').count()).toBe(0);

    const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&frequency=Daily&pageSize=1000');
    const record = open.items.find((each) => each.tasks.some((task) => task.kind === 'reading'))!;
    const reading = record.tasks.find((task) => task.kind === 'reading')!;
    await visit(page, `/records/LAB01/${record.recordNumber}`);
    await page.locator(`#task-${reading.taskId}-note`).fill('x'.repeat(1001));
    expect(await page.locator(`#task-${reading.taskId}-note-count`).textContent()).toBe('1001 of 1,000 characters');
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText(`The note on "${reading.text}" is 1001 characters; shorten it to 1,000`).first().waitFor();
    await page.locator(`#task-${reading.taskId}-note`).fill('Read twice');
    await answerEveryTask(page, record);
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign and complete' }).click();
    await page.getByText('Signed and completed.').waitFor();
    await page.getByRole('link', { name: 'Back to today’s list' }).click();
    await page.getByLabel('Machine, model or record').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    // A pressure read as 0.20 MPa reads back as 0.20, the task's two decimals, not as 0.2.
    const mill = open.items.find((each) => each.modelId === 'DWX-52DCi' && each.recordNumber !== record.recordNumber)!;
    const tech = await product.signedIn('tech1');
    const answers = mill.tasks.map((task) => (task.kind === 'check' ? { taskId: task.taskId, done: true } : { taskId: task.taskId, done: true, value: 0.2 }));
    expect(
      (
        await tech.post(`/api/labs/LAB01/records/${mill.recordNumber}/complete`, {
          responses: answers,
          signature: { password: demoPassword, meaning: 'Performed by' },
        })
      ).status,
    ).toBe(200);
    await visit(page, `/records/LAB01/${mill.recordNumber}`);
    await page.getByText('0.20 MPa').waitFor();
  });
});

describe('a checklist sent with answers missing', () => {
  it('flags every missing answer at once by its task, with the summary on top and focused, before anything is sent', async () => {
    for (const viewport of [phone, desktop]) {
      const { page } = await session(viewport);
      await signIn(page, 'tech1', demoPassword);
      const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&frequency=Daily&pageSize=1000');
      const record = open.items.find((each) => each.tasks.some((task) => task.kind === 'reading') && each.tasks.some((task) => task.kind === 'check'))!;
      await visit(page, `/records/LAB01/${record.recordNumber}`);
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().includes('/complete')) sent.push(request.url());
      });
      await page.getByRole('button', { name: 'Sign and complete' }).click();
      const summary = page.locator('form.completion .alert.error');
      await summary.waitFor();
      expect(await summary.evaluate((element) => element === document.activeElement)).toBe(true);
      const lines = await summary.locator('li').allTextContents();
      for (const task of record.tasks)
        expect(
          lines.some((line) => line.includes(task.text)),
          task.text,
        ).toBe(true);
      expect(lines).toContain('Enter your password to sign.');
      expect(sent).toEqual([]);
      // The summary comes before the fields, and each task carries its own message.
      const [summaryTop, firstTaskTop] = await Promise.all([summary.boundingBox(), page.locator('form.completion li.task').first().boundingBox()]);
      expect(summaryTop!.y).toBeLessThan(firstTaskTop!.y);
      expect(await page.locator('form.completion li.task.invalid').count()).toBe(record.tasks.length);
      await screenshot(page, `completion-missing-answers-${viewport === phone ? 'phone' : 'desktop'}`);

      // Once the answers are given, the form goes through with the password that was typed.
      await page.getByLabel('Your password, to sign').fill(demoPassword);
      await answerEveryTask(page, record);
      await page.getByRole('button', { name: 'Sign and complete' }).click();
      await page.getByText('Signed and completed.').waitFor();
      expect(sent).toHaveLength(1);
    }
  });
});

describe('a signature password typed wrong until the account locks', () => {
  it("says how many tries are left, says plainly that it locked and who unlocks, and keeps the answers for after a manager's Unlock", async () => {
    expect((await admin.post('/api/users', newUserBody('locksigner', { requirePasswordChange: false }))).status).toBe(201);
    const { page } = await session(phone);
    await signIn(page, 'locksigner', 'a first password 123');
    await settled(page);
    await page.locator('a.row-link').first().click();
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    const path = new URL(page.url()).pathname;
    const [, , labId, recordNumber] = path.split('/');
    const { body: record } = await admin.get<PmRecord>(`/api/labs/${labId}/records/${recordNumber}`);
    const check = record.tasks.find((task) => task.kind === 'check')!;
    await answerEveryTask(page, record);

    const tryPassword = async (password: string) => {
      await page.getByLabel('Your password, to sign').fill(password);
      await page.getByRole('button', { name: 'Sign and complete' }).click();
    };
    await tryPassword('not my password 1');
    await page.getByText('2 more wrong passwords in a row lock your account.').waitFor();
    await tryPassword('not my password 2');
    await page.getByText('One more wrong password locks your account.').waitFor();
    await tryPassword('not my password 3');
    await page.getByText('your account is now locked and you are signed out').waitFor();
    const notice = (await page.locator('main').textContent()) ?? '';
    expect(notice).toContain('A manager of your lab or an administrator can unlock the account.');
    expect(notice).toContain('What you entered on the form is kept');
    await screenshot(page, 'signature-locked-phone');

    const manager = await session(desktop);
    await signIn(manager.page, 'manager1', demoPassword);
    await visit(manager.page, '/users');
    await manager.page.getByRole('button', { name: 'Unlock locksigner' }).click();
    await manager.page.getByText('is unlocked and can sign in again').waitFor();
    // The list reloads after the notice: the button goes with the lock.
    await manager.page.getByRole('button', { name: 'Unlock locksigner' }).waitFor({ state: 'detached' });

    await page.getByLabel('Username').fill('locksigner');
    await page.getByLabel('Password', { exact: true }).fill('a first password 123');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Sign and complete' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(path);
    expect(await page.locator(`#task-${check.taskId}`).isChecked()).toBe(true);
    expect(await page.getByLabel('Your password, to sign').inputValue()).toBe('');
  });
});

describe('a manager at a desk', () => {
  it('sees one line of buttons per machine in the equipment table and the whole lab name in the selector', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/equipment');
    const rows = await page.locator('main table tbody tr').all();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const tops = await row
        .locator('td.row-actions > *')
        .evaluateAll((controls) => controls.map((control) => Math.round(control.getBoundingClientRect().top)));
      expect(tops).toHaveLength(3);
      expect(new Set(tops).size, await row.locator('td').first().innerText()).toBe(1);
    }
    // A screenful holds a dozen machines, not three.
    const firstRow = (await rows[0]!.boundingBox())!;
    expect(firstRow.height).toBeLessThan(80);
    const selector = page.locator('#lab-switcher');
    expect(await selector.evaluate((select: HTMLSelectElement) => select.scrollWidth <= select.clientWidth)).toBe(true);
    expect(await selector.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]!.textContent)).toBe('LAB01 · Boston Dental Lab');
  });

  it('adds equipment and transfers it to another lab', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await page.getByRole('link', { name: 'Equipment' }).click();
    await settled(page);
    await page.getByRole('button', { name: 'Add equipment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add equipment to Boston Dental Lab (LAB01)' });
    await dialog.getByLabel('Serial number').fill('WEB-MILL-1');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'manager-add-equipment-desktop');
    await dialog.getByRole('button', { name: 'Add equipment' }).click();
    await page.getByText('WEB-MILL-1 is registered.').waitFor();
    await page.getByRole('button', { name: 'Add equipment' }).click();
    await page.getByRole('dialog').getByLabel('Serial number').fill('web-mill-1');
    await page.getByRole('dialog').getByRole('button', { name: 'Add equipment' }).click();
    // A duplicate serial number is refused with the server's explanation, in the dialog.
    await page.getByRole('dialog').getByRole('alert').waitFor();
    expect(await page.getByRole('dialog').getByRole('alert').textContent()).toContain('LAB01');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Transfer WEB-MILL-1' }).click();
    await page.getByRole('dialog').getByLabel('To lab').selectOption('LAB02');
    await page.getByRole('dialog').getByRole('button', { name: 'Transfer' }).click();
    await page.getByText('WEB-MILL-1 is transferred to LAB02').waitFor();
    const { body: moved } = await admin.get<Equipment>('/api/labs/LAB02/equipment/WEB-MILL-1');
    expect(moved.labId).toBe('LAB02');
    await visit(page, '/equipment/LAB02/WEB-MILL-1');
    expect(await page.locator('.timeline').textContent()).toContain('Transferred from Boston Dental Lab (LAB01) to Chicago Dental Lab (LAB02)');
  });

  it('keeps the keyboard inside an open dialog and gives focus back when it closes', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, '/equipment');
    const opener = page.getByRole('button', { name: 'Add equipment' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    for (let step = 0; step < 12; step += 1) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest('dialog')))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add equipment');
  });

  it('amends a completed record with a reason and signature, and justifies a missed one', async () => {
    // A record with a reading, completed and signed by the technician.
    const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&pageSize=1000');
    const chosen = open.items.find((each) => each.tasks.some((task) => task.kind === 'reading' && task.min !== undefined && task.max !== undefined))!;
    const tech = await product.signedIn('tech1');
    const responses = chosen.tasks.map((task) =>
      task.kind === 'check' ? { taskId: task.taskId, done: true } : { taskId: task.taskId, done: true, value: Number(goodReading(task)) },
    );
    const signed = await tech.post<PmRecord>(`/api/labs/LAB01/records/${chosen.recordNumber}/complete`, {
      responses,
      signature: { password: demoPassword, meaning: 'Performed by' },
    });
    expect(signed.status, signed.text).toBe(200);
    const record = signed.body;
    const reading = record.tasks.find((task) => task.kind === 'reading' && task.min !== undefined && task.max !== undefined)!;
    const { page } = await session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, `/records/LAB01/${record.recordNumber}`);
    await page.getByRole('button', { name: 'Amend' }).click();
    const original = record.currentResponses.find((response) => response.taskId === reading.taskId)?.value;
    // A limit is in range, and differs from what was signed.
    const corrected = reading.min !== undefined && original !== reading.min ? reading.min : (reading.max ?? (original ?? 0) + 1);
    await page.locator(`#task-${reading.taskId}`).fill(String(corrected));
    await page.getByLabel('Reason for the amendment').fill('Transcribed from the wrong gauge');
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign amendment' }).click();
    await page.getByText('Amendment signed.').waitFor();
    expect(await page.locator('.amendments').textContent()).toContain('Amended by Maria Manager');
    // What was signed stays beside the correction, on the task itself (21 CFR Part 11 §11.10(e)).
    const amendedTask = page.locator('li.task', { hasText: reading.text });
    expect(await amendedTask.locator('.signed-value').textContent()).toBe(`Signed: ${original}${reading.unit ? ` ${reading.unit}` : ''}`);
    expect(await amendedTask.locator('.task-amendment').textContent()).toContain(
      `Amendment 1: ${original}${reading.unit ? ` ${reading.unit}` : ''} → ${corrected}`,
    );
    expect(await amendedTask.locator('.task-amendment').textContent()).toContain('Transcribed from the wrong gauge · Amended by Maria Manager');
    await screenshot(page, 'record-amended-desktop');
    const { body: amended } = await admin.get<PmRecord>(`/api/labs/LAB01/records/${record.recordNumber}`);
    expect(amended.amendments).toHaveLength(1);
    expect(amended.amendments[0]!.reason).toBe('Transcribed from the wrong gauge');
    // The original signature and values stay as signed.
    expect(amended.signature).toEqual(record.signature);
    expect(amended.responses).toEqual(record.responses);

    const { body: missed } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Missed&pageSize=100');
    const unexplained = missed.items.find((each) => each.justification === null)!;
    await visit(page, `/records/LAB01/${unexplained.recordNumber}`);
    await page.getByLabel('Why was it missed?').fill('Machine was being calibrated by the vendor');
    // A missed record may also still be completable late: each form has its own password field.
    await page.locator('form.justify').getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign the justification' }).click();
    await page.getByText('Justification saved.').waitFor();
    const { body: justified } = await admin.get<PmRecord>(`/api/labs/LAB01/records/${unexplained.recordNumber}`);
    expect(justified.justification).toMatchObject({
      reason: 'Machine was being calibrated by the vendor',
      by: { username: 'manager1' },
      signature: { username: 'manager1', meaning: 'Justified by', method: 'password' },
    });
  });
});

describe('an administrator', () => {
  it('adds a reading task to a model, and the model keeps its other tasks', async () => {
    const { body: models } = await admin.get<{ items: Model[] }>('/api/models');
    const model = models.items.find((each) => each.frequencies.Daily)!;
    const before = model.frequencies.Daily!.tasks;
    const { page } = await session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, `/models/${encodeURIComponent(model.modelId)}`);
    await page.getByRole('button', { name: 'Add daily task' }).click();
    const index = before.length + 1;
    const row = page.locator('fieldset.frequency-tasks').first().locator('li.task-editor').nth(before.length);
    await row.getByLabel(`Task ${index}`, { exact: true }).fill('Coolant temperature');
    await row.getByLabel('Kind').selectOption('reading');
    await row.getByLabel('Unit').fill('°C');
    await row.getByLabel('Minimum').fill('18');
    await row.getByLabel('Maximum').fill('12');
    await page.getByRole('button', { name: 'Save model' }).click();
    // Min above max: the field says so, and nothing is saved.
    await row.locator('.field-error').first().waitFor();
    expect(await row.locator('.field-error').first().textContent()).toContain('must not be greater than max');
    await row.getByLabel('Maximum').fill('24');
    await page.getByRole('button', { name: 'Save model' }).click();
    await page.getByText(`Saved as version ${model.version + 1}`).waitFor();
    await screenshot(page, 'administrator-model-desktop');
    const { body: saved } = await admin.get<Model>(`/api/models/${encodeURIComponent(model.modelId)}`);
    expect(saved.frequencies.Daily!.tasks.map((task) => task.taskId).slice(0, before.length)).toEqual(before.map((task) => task.taskId));
    expect(saved.frequencies.Daily!.tasks.at(-1)).toMatchObject({ text: 'Coolant temperature', kind: 'reading', unit: '°C', min: 18, max: 24 });
  });

  it('adds a lab with its time zone from a list, renames and deactivates it, and sees lab names beside ids', async () => {
    for (const viewport of [phone, desktop]) {
      const labId = viewport === phone ? 'LAB77' : 'LAB78';
      const { page } = await session(viewport);
      await signIn(page, 'admin', demoPassword);
      await visit(page, '/labs');
      await page.getByRole('button', { name: 'New lab' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Lab id').fill(labId.toLowerCase());
      await dialog.getByLabel('Name').fill('Lisbon Calibration Lab');
      await dialog.getByLabel('Time zone').selectOption('Europe/Lisbon');
      await dialog.getByRole('button', { name: 'Add lab' }).click();
      await page.getByText(`Lisbon Calibration Lab (${labId}) is added.`).waitFor();
      const row = page.locator('tr', { hasText: labId });
      await row.waitFor();
      expect(await row.locator('td').allTextContents()).toEqual(['Lisbon Calibration Lab', labId, 'Europe/Lisbon', 'Active', 'Edit']);
      // The lab switcher knows the new lab by its name at once.
      await page.locator('#lab-switcher option', { hasText: `${labId} · Lisbon Calibration Lab` }).waitFor({ state: 'attached' });

      await row.getByRole('button', { name: 'Edit Lisbon Calibration Lab' }).click();
      await dialog.getByText('An inactive lab gets no new checklists').waitFor();
      await dialog.getByLabel('Name').fill('Lisbon Metrology Lab');
      await dialog.getByLabel('Active').uncheck();
      await screenshot(page, `administrator-lab-edit-${viewport === phone ? 'phone' : 'desktop'}`);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByText(`Lisbon Metrology Lab (${labId}) is saved. It is inactive now: no new checklists are generated there.`).waitFor();
      const { body: lab } = await admin.get<{ items: { labId: string; name: string; timeZone: string; active: boolean }[] }>('/api/labs');
      expect(lab.items.find((each) => each.labId === labId)).toEqual({
        labId,
        name: 'Lisbon Metrology Lab',
        timeZone: 'Europe/Lisbon',
        active: false,
        role: 'Administrator',
      });
      await screenshot(page, `administrator-labs-${viewport === phone ? 'phone' : 'desktop'}`);

      // A refusal is a sentence beside its field, and nothing is written.
      await page.getByRole('button', { name: 'New lab' }).click();
      await dialog.getByLabel('Lab id').fill(labId);
      await dialog.getByLabel('Name').fill('Twice');
      await dialog.getByRole('button', { name: 'Add lab' }).click();
      await dialog.getByText(`A lab ${labId} already exists.`).waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    }
  });

  it('runs the generator for one lab from its row, and shows lab names and what the run did', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, '/generator');
    const lastRunOfLab01 = async () =>
      (await admin.get<{ labs: { labId: string; lastRunId: string | null }[] }>('/api/admin/generator')).body.labs.find((lab) => lab.labId === 'LAB01')!
        .lastRunId;
    const before = await lastRunOfLab01();
    const row = page.locator('tr', { hasText: 'LAB01' });
    expect(await row.locator('td').first().textContent()).toBe('Boston Dental Lab LAB01');
    await row.getByRole('button', { name: 'Run now for Boston Dental Lab' }).click();
    await page.getByText('A run for Boston Dental Lab is queued; this page shows what it did in a moment.').waitFor();
    // The page looks again by itself; a second run of the same day finds every checklist there.
    await expect.poll(lastRunOfLab01, { timeout: 20_000 }).not.toBe(before);
    await row.getByText('Nothing to do: every checklist was already there').waitFor();
    expect(await page.getByText(/[0-9a-f]{8}-[0-9a-f]{4}-/).count()).toBe(0);
    await screenshot(page, 'administrator-generator-desktop');
  });

  it('creates a user, who must then choose a new password with the rules turning green', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'admin', demoPassword);
    await visit(page, '/users');
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('Username').fill('webuser');
    await dialog.getByLabel('First name').fill('Wendy');
    await dialog.getByLabel('Last name').fill('Web');
    await dialog.getByLabel('Role').selectOption('Technician');
    await dialog.getByLabel('Temporary password').fill('first temporary 2026');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Wendy Web (webuser) can now sign in').waitFor();
    const { body: user } = await admin.get<User>('/api/users/webuser');
    expect(user).toMatchObject({ primaryLabId: 'LAB01', requirePasswordChange: true, labAccess: [{ labId: 'LAB01', role: 'Technician' }] });

    const newcomer = await session(phone);
    await signIn(newcomer.page, 'webuser', 'first temporary 2026');
    await newcomer.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    const met = () => newcomer.page.locator('.checklist li.met').count();
    await newcomer.page.getByLabel('Current password').fill('first temporary 2026');
    await newcomer.page.getByLabel('New password', { exact: true }).fill('webuser');
    await newcomer.page.locator('.checklist li.met').first().waitFor();
    expect(await met()).toBe(1);
    await newcomer.page.getByLabel('New password', { exact: true }).fill('password1234');
    await newcomer.page.locator('.checklist li.met').nth(1).waitFor();
    expect(await met()).toBe(2);
    await newcomer.page.getByLabel('New password', { exact: true }).fill('lathe coolant on tuesdays');
    await newcomer.page.locator('.checklist li.met').nth(2).waitFor();
    expect(await newcomer.page.locator('.checklist li.unmet').count()).toBe(0);
    await screenshot(newcomer.page, 'forced-password-change-phone');
    await newcomer.page.getByLabel('New password again').fill('lathe coolant on tuesdays');
    await newcomer.page.getByRole('button', { name: 'Change password' }).click();
    await newcomer.page.getByRole('heading', { name: /^Today/ }).waitFor();
  });
});

describe('a local auditor', () => {
  it("lands on the lab's overview, with figures that match the lab's own lists, and reads the checklists a click away", async () => {
    const { body: machines } = await admin.get<{ items: Equipment[] }>('/api/labs/LAB01/equipment');
    const inUse = machines.items.filter((machine) => !machine.status.startsWith('Retired'));
    const notFit = inUse.filter((machine) => machine.fitness.state === 'not fit');
    const { body: open } = await admin.get<{ items: { ncNumber: string }[] }>('/api/labs/LAB01/nonconformities?status=Open');
    for (const viewport of [phone, desktop]) {
      const { page } = await session({ ...viewport, timezoneId: 'Asia/Tokyo' });
      await signIn(page, 'localaudit1', demoPassword);
      await page.getByRole('heading', { name: 'Overview · Boston Dental Lab' }).waitFor();
      await settled(page);
      for (const section of ['Fitness for use', 'Open nonconformities', 'Calibration', 'PM compliance this month'])
        await page.getByRole('heading', { name: section, exact: true }).waitFor();
      expect(await page.locator('section[aria-labelledby="fitness"] .figure').textContent()).toMatch(
        new RegExp(`^${inUse.length - notFit.length} of ${inUse.length} machines fit for use`),
      );
      expect(await page.locator('section[aria-labelledby="fitness"] li a').allTextContents()).toEqual(notFit.map((machine) => machine.serialNumber));
      expect(await page.locator('section[aria-labelledby="open-ncs"] li a').allTextContents()).toEqual(open.items.map((nc) => nc.ncNumber));
      const report = await page.getByRole('link', { name: /^The compliance report from / }).getAttribute('href');
      expect(report).toBe(`/reports?from=${labDaysAgo('LAB01', 0).slice(0, 8)}01&to=${labDaysAgo('LAB01', 0)}`);
      expect(await seriousAccessibilityProblems(page)).toEqual([]);
      await screenshot(page, `auditor-overview-${viewport === phone ? 'phone' : 'desktop'}`);
    }
    const { page } = await session(desktop);
    await signIn(page, 'localaudit1', demoPassword);
    await page.getByRole('link', { name: 'Today', exact: true }).click();
    await page.getByRole('heading', { name: 'Today · Boston Dental Lab' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/today');
    // An open checklist shows the auditor what it asks, though there is nothing for them to fill in.
    const { body: openRecords } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&frequency=Daily&pageSize=50');
    const withReading = openRecords.items.find((record) =>
      record.tasks.some((task) => task.kind === 'reading' && task.min !== undefined && task.max !== undefined),
    )!;
    await visit(page, `/records/LAB01/${withReading.recordNumber}`);
    const asked = await page.locator('ol.task-list li').allTextContents();
    expect(asked).toHaveLength(withReading.tasks.length);
    const reading = withReading.tasks.find((task) => task.kind === 'reading' && task.min !== undefined && task.max !== undefined)!;
    expect(asked).toContain(
      `${reading.text} · a reading${reading.unit ? ` in ${reading.unit}` : ''}; acceptable: ${reading.min} to ${reading.max}${reading.unit ? ` ${reading.unit}` : ''}`,
    );
    expect(await page.locator('form.completion').count()).toBe(0);
  });

  it('reads every screen and finds no control that writes', async () => {
    const { page } = await session(desktop);
    // Every button the page shows at any moment, so a control that flashes up while a page loads counts too.
    await page.addInitScript(() => {
      const seen = new Set<string>();
      Object.assign(window, { buttonsEverShown: seen });
      new MutationObserver(() => document.querySelectorAll('button').forEach((button) => seen.add(button.textContent?.trim() ?? ''))).observe(document, {
        childList: true,
        subtree: true,
      });
    });
    await signIn(page, 'localaudit1', demoPassword);
    const { body: completed } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Completed&pageSize=1');
    const { body: machines } = await admin.get<{ items: Equipment[] }>('/api/labs/LAB01/equipment');
    const { body: models } = await admin.get<{ items: Model[] }>('/api/models');
    const paths = [
      '/',
      `/records/LAB01/${completed.items[0]!.recordNumber}`,
      '/equipment',
      `/equipment/LAB01/${machines.items[0]!.serialNumber}`,
      '/models',
      `/models/${encodeURIComponent(models.items[0]!.modelId)}`,
      '/users',
      '/audit',
      '/reports',
    ];
    const writing = /^(Add|Edit|Transfer|New|Save|Create|Sign and complete|Amend|Grant|Remove|Run now)/;
    for (const path of paths) {
      await visit(page, path);
      const buttons = await page.evaluate(() => [...(window as unknown as { buttonsEverShown: Set<string> }).buttonsEverShown]);
      expect(
        buttons.filter((text) => writing.test(text)),
        path,
      ).toEqual([]);
      expect(await page.locator('form.completion, form.justify, form.model-form, dialog, input[type=password]').count(), path).toBe(0);
    }
    // The navigation offers no generator page, and the address does not open it.
    expect(await page.getByRole('link', { name: 'Generator' }).count()).toBe(0);
    await visit(page, '/generator');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });
});

describe('the compliance report', () => {
  it('labels every drawn week or month inside the chart in 12 px text, says a single one in a sentence, keeps the period in the address, and says so when nothing was due', async () => {
    for (const viewport of [desktop, phone]) {
      const { page } = await session(viewport);
      await signIn(page, 'manager1', demoPassword);
      await visit(page, '/reports');
      // The last 30 days of Boston's calendar, whatever the UTC date is.
      expect(await page.getByLabel('To').inputValue()).toBe(labDaysAgo('LAB01', 0));
      expect(await page.getByLabel('From').inputValue()).toBe(labDaysAgo('LAB01', 29));
      await page.locator('figure.chart').first().waitFor();
      // A frequency with one week or month of figures is said in a sentence; two or more are drawn.
      for (const single of await page.locator('figure.chart.single').allTextContents()) {
        expect(single).toMatch(
          /^(Daily|Weekly|Monthly|Quarterly|Annual), (the week starting [A-Z][a-z]{2} \d{1,2}|the month of [A-Z][a-z]{2} \d{4}): .+ (\d+(\.\d)? %|—)\.$/,
        );
      }
      for (const chart of await page.locator('figure.chart svg').all()) {
        const box = (await chart.boundingBox())!;
        const labels = chart.locator('text.axis');
        expect(await labels.last().textContent()).toMatch(/^(Week starting \(Monday\)|Month)$/);
        for (const label of await labels.all()) {
          const each = (await label.boundingBox())!;
          expect(each.x).toBeGreaterThanOrEqual(box.x);
          expect(each.x + each.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
          // Drawn at the size it is shown: 12 px text on a phone as at a desk, not a 640-unit drawing shrunk.
          expect(each.height, viewport === phone ? 'phone' : 'desktop').toBeGreaterThanOrEqual(12);
        }
        expect(await labels.first().textContent()).toMatch(/^[A-Z][a-z]{2} (\d{1,2}|\d{4})$/);
      }
      await screenshot(page, `report-chart-${viewport === phone ? 'phone' : 'desktop'}`);

      await page.getByLabel('From').fill('2020-01-01');
      await page.getByLabel('To').fill('2020-01-31');
      await page.getByText('Nothing was due at Boston Dental Lab (LAB01) between 2020-01-01 and 2020-01-31').waitFor();
      // The period is in the address: a bookmark or a shared link opens the same report.
      expect(new URL(page.url()).search).toBe('?from=2020-01-01&to=2020-01-31');
      await page.reload();
      await page.getByText('Nothing was due at Boston Dental Lab (LAB01) between 2020-01-01 and 2020-01-31').waitFor();
      expect(await page.getByLabel('From').inputValue()).toBe('2020-01-01');
      expect(await page.locator('main table').count()).toBe(0);
      await screenshot(page, `report-nothing-due-${viewport === phone ? 'phone' : 'desktop'}`);
    }
  });
});

describe('answers that come in pages', () => {
  it('drops an older page of the audit trail that arrives after the labs filter changed', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'auditor', demoPassword);
    await visit(page, '/audit');
    await page.getByLabel('Labs').selectOption('all');
    await page.getByRole('button', { name: 'Show older entries' }).waitFor();
    // The older page of every lab is held back until the list shows one lab only.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(
      (url) => url.pathname === '/api/audit' && url.searchParams.has('continuationToken'),
      async (route) => {
        await held;
        await route.continue();
      },
    );
    const older = page.waitForResponse((response) => new URL(response.url()).searchParams.has('continuationToken'));
    await page.getByRole('button', { name: 'Show older entries' }).click();
    await expect(page.getByRole('button', { name: 'Loading older entries…' }).isDisabled()).resolves.toBe(true);
    const oneLab = (await admin.get<{ items: unknown[] }>('/api/audit?labId=LAB01&pageSize=50')).body.items.length;
    await page.getByLabel('Labs').selectOption('lab');
    await page.waitForFunction((rows) => document.querySelectorAll('table.audit > tbody > tr').length === rows, oneLab);
    release();
    await older;
    await settled(page);
    expect(await page.locator('table.audit > tbody > tr').count()).toBe(oneLab);
  });

  it('adds up a verification and a report of every lab from many small pages, and saves the CSV of every lab as one file', async () => {
    const { page } = await session(desktop);
    // Small pages, so that the demo company takes many requests of each.
    const smaller = (path: string, pageSize: number) =>
      page.route(
        (url) => url.pathname === path,
        (route) => route.continue({ url: `${route.request().url()}&pageSize=${pageSize}` }),
      );
    await smaller('/api/audit/verify', 5);
    await smaller('/api/reports/compliance', 1);
    await signIn(page, 'admin', demoPassword);
    await visit(page, '/audit');
    const whole = (await admin.get<VerificationPage>('/api/audit/verify?labId=LAB01')).body;
    const entries = whole.chains.reduce((sum, chain) => sum + chain.entries, 0);
    const verifications: string[] = [];
    page.on('request', (request) => request.url().includes('/api/audit/verify') && verifications.push(request.url()));
    await page.getByRole('button', { name: /^Verify the chains of/ }).click();
    await page
      .getByText(
        `Intact: ${entries} entries in ${whole.chains.length} chains, ${whole.recordsChecked} records and ${whole.evidenceChecked} certificates and photos checked`,
      )
      .waitFor();
    expect(verifications.length).toBeGreaterThan(3);

    await visit(page, '/reports');
    await page.locator('td[data-label="Lab"]', { hasText: 'LAB01' }).first().waitFor();
    // While the pages of every lab load, the one lab's figures are not left standing under "Every lab".
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(
      (url) => url.pathname === '/api/reports/compliance' && !url.searchParams.has('labId'),
      async (route) => {
        await held;
        await route.fallback();
      },
    );
    await page.getByLabel('Labs').selectOption('all');
    await page.getByText('Loading the report…').waitFor();
    expect(await page.locator('main table').count()).toBe(0);
    release();
    await page.locator('td[data-label="Lab"]', { hasText: 'LAB02' }).first().waitFor();
    expect(await page.locator('td[data-label="Lab"]', { hasText: 'LAB01' }).count()).toBeGreaterThan(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Summary as CSV' }).click()]);
    const saved = await readFile((await download.path())!);
    // The byte order mark that tells Excel the file is UTF-8, once, at the start.
    expect([...saved.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(saved.toString('utf8').slice(1)).not.toContain('\uFEFF');
    const rows = parse(saved, { bom: true, columns: true }) as Record<string, string>[];
    expect(download.suggestedFilename()).toMatch(/^compliance-summary-all-labs-/);
    expect(new Set(rows.map((row) => row.lab_id))).toEqual(new Set(['LAB01', 'LAB02']));
    // The header row comes once, however many pages the file was joined from.
    expect(rows.filter((row) => row.lab_id === 'lab_id')).toEqual([]);
  });
});

describe('print views', () => {
  it('print a record and a machine’s history with title, lab, period, who printed it and when, and every answer, note and amendment', async () => {
    const tech = await product.signedIn('tech1');
    const manager = await product.signedIn('manager1');
    const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&frequency=Daily&pageSize=1000');
    const record = open.items.find((each) => each.tasks.some((task) => task.kind === 'reading'))!;
    const reading = record.tasks.find((task) => task.kind === 'reading')!;
    const responses = record.tasks.map((task) =>
      task.kind === 'check' ? { taskId: task.taskId, done: true } : { taskId: task.taskId, done: true, value: Number(goodReading(task)) },
    );
    const withNote = responses.map((response) => (response.taskId === reading.taskId ? { ...response, note: 'Read on the second gauge' } : response));
    expect(
      (
        await tech.post(`/api/labs/LAB01/records/${record.recordNumber}/complete`, {
          responses: withNote,
          signature: { password: demoPassword, meaning: 'Performed by' },
        })
      ).status,
    ).toBe(200);
    const amendedValue = Number(goodReading(reading)) + (reading.max !== undefined && reading.min !== undefined ? (reading.max - reading.min) / 4 : 1);
    const amendment = await manager.post(`/api/labs/LAB01/records/${record.recordNumber}/amendments`, {
      responses: [{ taskId: reading.taskId, done: true, value: amendedValue }],
      reason: 'Transcribed from the wrong line of the log',
      signature: { password: demoPassword },
    });
    expect(amendment.status, amendment.text).toBe(200);

    const { page } = await session(desktop);
    await signIn(page, 'manager1', demoPassword);
    await page.emulateMedia({ media: 'print' });
    const printed = async () => (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    for (const path of [`/records/LAB01/${record.recordNumber}`, `/equipment/LAB01/${record.serialNumber}`]) {
      await visit(page, path);
      const text = await printed();
      expect(text, path).toContain(
        path.startsWith('/records') ? `PM record ${record.recordNumber} · Daily PM of ${record.serialNumber}` : `Equipment history · ${record.serialNumber}`,
      );
      expect(text, path).toContain('Lab: Boston Dental Lab (LAB01)');
      expect(text, path).toMatch(/Period: \d{4}-\d{2}-\d{2}/);
      expect(text, path).toMatch(/Printed by Maria Manager \(manager1\) on .*E[SD]T/);
      expect(text, path).toContain(`Signed: ${goodReading(reading)}`);
      expect(text, path).toContain('Note as signed: Read on the second gauge');
      expect(text, path).toContain(`Amendment 1: ${goodReading(reading)}`);
      expect(text, path).toContain('Transcribed from the wrong line of the log · Amended by Maria Manager');
      expect(text, path).toMatch(/Performed by Tara Technician \(tech1\)/);
      // The screen's controls and navigation stay off paper.
      expect(await page.locator('header.app-header').isVisible()).toBe(false);
      expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
      await screenshot(page, `print${path.startsWith('/records') ? '-record' : '-equipment-history'}-desktop`);
    }
    // Paper counts its pages: the stylesheet's @page rule puts "Page X of Y" at the foot of each.
    const stylesheet = await page.evaluate(() =>
      Array.from(document.styleSheets)
        .flatMap((sheet) => Array.from(sheet.cssRules, (rule) => rule.cssText))
        .join('\n'),
    );
    const pageRule = stylesheet.split('\n').find((rule) => rule.startsWith('@page'));
    expect(pageRule).toMatch(/@bottom-right \{[^}]*"Page " counter\(page\) " of " counter\(pages\)/);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await writeFile(join(screenshotDir, 'print-equipment-history.pdf'), pdf);
  });
});

describe('a busy database', () => {
  it('is read again after its Retry-After: a 503 on the session question neither fails the page nor signs anyone out', async () => {
    const { page } = await session(desktop);
    await signIn(page, 'tech1', demoPassword);
    let refused = 0;
    await page.route('**/api/auth/session', async (route) => {
      if (refused++ === 0) {
        await route.fulfill({
          status: 503,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
          body: JSON.stringify({ type: 'about:blank', title: 'Database busy', status: 503, detail: 'Busy.', requestId: 'x' }),
        });
      } else {
        await route.continue();
      }
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Today · Boston Dental Lab' }).waitFor();
    expect(refused).toBe(2);
    expect(await page.getByLabel('Username').count()).toBe(0);
  });
});

describe('signing out', () => {
  it('ends the session on the server, so the page cannot be used again from the same browser', async () => {
    const { page, context } = await session(desktop);
    await signIn(page, 'tech2', demoPassword);
    const signOut = page.waitForResponse((response) => response.url().endsWith('/api/auth/logout'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect((await signOut).status()).toBe(200);
    await page.getByText('You are signed out.').waitFor();
    const me = await context.request.get('/api/auth/me');
    expect(me.status()).toBe(401);
  });
});

describe("times in the lab's time zone", () => {
  it("shows LAB01's times in Boston time with the zone, in a browser set to Tokyo, at phone and desktop width", async () => {
    const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&frequency=Daily&pageSize=1');
    const record = open.items[0]!;
    for (const viewport of [phone, desktop]) {
      const { page } = await session({ ...viewport, timezoneId: 'Asia/Tokyo' });
      expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('Asia/Tokyo');
      await signIn(page, 'tech1', demoPassword);
      await settled(page);
      const dashboardTimes = await page.locator('.work-rows .due').allTextContents();
      expect(dashboardTimes.length).toBeGreaterThan(0);
      expect(
        dashboardTimes.every((text) => /\b(EST|EDT)\b/.test(text)),
        dashboardTimes.join('; '),
      ).toBe(true);
      await visit(page, `/records/LAB01/${record.recordNumber}`);
      // One wording for a due time, on the list and on the record: the lab's day and zone.
      const due = await page.locator('dt:text-is("Due") + dd').textContent();
      expect(due).toMatch(/^end of today \((EST|EDT)\)$/);
      expect(dashboardTimes).toContain(`due ${due}`);
      expect(await page.locator('body').textContent()).not.toMatch(/GMT\+9|JST/);
      await screenshot(page, `record-boston-time-from-tokyo-${viewport === phone ? 'phone' : 'desktop'}`);
    }
  });
});

describe('the audit trail as an auditor reads it', () => {
  it('says actions in words, opens what changed as a before/after table, and keeps the raw entry one click away', async () => {
    for (const viewport of [desktop, phone]) {
      const { page } = await session(viewport);
      await signIn(page, 'auditor', demoPassword);
      await visit(page, '/audit');
      const actions = await page.locator('td[data-label="What"]').allTextContents();
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => /^[a-z-]+\.[a-z.-]+$/.test(action))).toEqual([]);
      const changed = page.locator('details.changes').first();
      await changed.locator('summary').click();
      const row = changed.locator('tbody tr').first();
      expect(await row.locator('td[data-label="Before"]').count()).toBe(1);
      expect(await row.locator('td[data-label="After"]').count()).toBe(1);
      const raw = page.locator('details.raw').first();
      expect(await raw.locator('pre').isVisible()).toBe(false);
      await raw.locator('summary').click();
      expect(JSON.parse((await raw.locator('pre').textContent())!)).toHaveProperty('hash');
      await screenshot(page, `audit-expanded-${viewport === phone ? 'phone' : 'desktop'}`);
    }
  });
});

describe('verification, the second signature', () => {
  it('shows a record awaiting verification, and a second person signs it "Verified by" on a phone', async () => {
    const { body: open } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&frequency=Monthly&pageSize=1000');
    const chosen = open.items.find((each) => each.needsVerification)!;
    expect(chosen).toBeDefined();
    const tech = await product.signedIn('tech1');
    const responses = chosen.tasks.map((task) =>
      task.kind === 'check' ? { taskId: task.taskId, done: true } : { taskId: task.taskId, done: true, value: Number(goodReading(task)) },
    );
    expect((await tech.post(`/api/labs/LAB01/records/${chosen.recordNumber}/complete`, { responses, signature: { password: demoPassword } })).status).toBe(200);

    const own = await session(phone);
    await signIn(own.page, 'tech1', demoPassword);
    await visit(own.page, `/records/LAB01/${chosen.recordNumber}`);
    await own.page.getByText('Awaiting verification').waitFor();
    expect(await own.page.getByRole('button', { name: 'Sign as verified' }).count()).toBe(0);

    const { page } = await session(phone);
    await signIn(page, 'manager1', demoPassword);
    await visit(page, `/records/LAB01/${chosen.recordNumber}`);
    await page.getByText('Awaiting verification').waitFor();
    await screenshot(page, 'record-awaiting-verification-phone');
    await page.getByLabel('Your password, to sign').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign as verified' }).click();
    await page.getByText('Verified and signed.').waitFor();
    expect(await page.locator('.signature-line').allTextContents()).toEqual([
      expect.stringContaining('Performed by Tara Technician (tech1)'),
      expect.stringContaining('Verified by Maria Manager (manager1)'),
    ]);
    const { body: verified } = await admin.get<PmRecord>(`/api/labs/LAB01/records/${chosen.recordNumber}`);
    expect(verified.verification).toMatchObject({ username: 'manager1', meaning: 'Verified by' });
  });
});

describe('signing in', () => {
  it('tells a paused device, a locked account, a wrong password and a disabled account apart', async () => {
    expect((await admin.post('/api/users', newUserBody('lockedout', { requirePasswordChange: false }))).status).toBe(201);
    expect((await admin.post('/api/users', newUserBody('goneaway', { requirePasswordChange: false }))).status).toBe(201);
    expect((await admin.patch('/api/users/goneaway', { status: 'Disabled' })).status).toBe(200);
    const { page } = await session(phone);
    const attempt = async (username: string, password: string) => {
      await page.goto('/');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').waitFor();
      return (await page.getByRole('alert').textContent()) ?? '';
    };
    expect(await attempt('lockedout', 'not the password 1')).toContain('username or password is not correct');
    await attempt('lockedout', 'not the password 2');
    await attempt('lockedout', 'not the password 3');
    // A stranger's guesses pause devices the account never signed in on; they do not lock it (SPEC §4).
    expect(await attempt('lockedout', 'a first password 123')).toContain('devices it has not signed in on');
    expect((await admin.post('/api/users', newUserBody('lockedtoo', { requirePasswordChange: false }))).status).toBe(201);
    expect((await admin.patch('/api/users/lockedtoo', { status: 'Locked' })).status).toBe(200);
    expect(await attempt('lockedtoo', 'a first password 123')).toContain('locked');
    await screenshot(page, 'sign-in-locked-phone');
    expect(await attempt('goneaway', 'a first password 123')).toContain('disabled');
    // This installation has no Microsoft sign-in, so the page does not offer it.
    expect(await page.getByText('Sign in with Microsoft').count()).toBe(0);
  });
});
