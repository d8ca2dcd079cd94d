import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelSizes, type LabelSheet, type MachineAtHand } from '../shared/schemas/labels.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let manager: ApiClient;
let tech: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
});
afterAll(async () => product.cleanup());

describe('labels', () => {
  it('give every machine of the lab that is not retired its serial, model, lab, calibration status and a QR code of its stable address', async () => {
    const sheet = await manager.get<LabelSheet>('/api/labs/LAB01/labels');
    expect(sheet.status, sheet.text).toBe(200);
    const serials = sheet.body.items.map((label) => label.serialNumber);
    expect(serials).toContain('F3B-01-001');
    expect(serials).not.toContain('PS2-01-103');
    expect(serials).toEqual([...serials].sort((a, b) => a.toUpperCase().localeCompare(b.toUpperCase())));
    const reference = sheet.body.items.find((label) => label.serialNumber === 'REF-T-02')!;
    expect(reference).toMatchObject({
      labId: 'LAB01',
      labName: 'Boston Dental Lab',
      modelId: 'Fluke 1524',
      fitness: { state: 'not fit' },
    });
    // The stable address, with the machine's report key for whoever scans it without an account.
    expect(reference.url).toMatch(new RegExp(`^${product.url}/e/REF-T-02\\?k=[A-Za-z0-9_-]{22}$`));
    expect(reference.qrSvg).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"/);
    expect(sheet.body.size).toBe('small');
  });

  it('print a selection or one machine, at either size, and name what is not in the lab', async () => {
    const chosen = await manager.get<LabelSheet>('/api/labs/LAB01/labels?serials=REF-T-01,F3B-01-001&size=large');
    expect(chosen.body.items.map((label) => label.serialNumber)).toEqual(['REF-T-01', 'F3B-01-001']);
    expect(chosen.body.size).toBe('large');
    const elsewhere = await manager.get<{ detail: string }>('/api/labs/LAB01/labels?serials=F3B-02-001');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.detail).toContain('F3B-02-001');
    expect((await manager.get('/api/labs/LAB01/labels?size=huge')).status).toBe(400);
    expect((await tech.get('/api/labs/LAB01/labels')).status).toBe(403);
  });

  it('URS-160 print on every label stock a lab buys, and refuse another size with a sentence naming the stocks', async () => {
    for (const size of labelSizes) {
      const sheet = await manager.get<LabelSheet>(`/api/labs/LAB01/labels?serials=F3B-01-001&size=${size}`);
      expect(sheet.status, sheet.text).toBe(200);
      expect(sheet.body.size).toBe(size);
    }
    const refused = await manager.get<{ detail: string }>('/api/labs/LAB01/labels?size=a5');
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('small, large, a4-3x7, letter-3x10, roll-62mm');
  });
});

describe('the machine at hand', () => {
  it('shows a technician the fitness, calibration due and open checklists of a machine of their lab, found by serial alone', async () => {
    const answer = await tech.get<MachineAtHand>('/api/machines/f3b-01-001');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ serialNumber: 'F3B-01-001', labId: 'LAB01', fitness: { state: 'fit' } });
    expect(answer.body.openChecklists.length).toBeGreaterThan(0);
    expect(answer.body.openChecklists.every((record) => record.recordNumber.startsWith('LAB01'))).toBe(true);
    const standard = await tech.get<MachineAtHand>('/api/machines/REF-T-02');
    expect(standard.body).toMatchObject({ fitness: { state: 'not fit' }, openNonconformities: ['LAB01-NC-000001'] });
  });

  it('is not found for a machine in a lab the user has no role in, exactly as for one that does not exist', async () => {
    const elsewhere = await tech.get<{ detail: string }>('/api/machines/F3B-02-001');
    const nowhere = await tech.get<{ detail: string }>('/api/machines/NO-SUCH-1');
    expect([elsewhere.status, nowhere.status]).toEqual([404, 404]);
    expect(elsewhere.body.detail).toBe('There is no machine F3B-02-001 that you can see.');
    expect((await manager.get<MachineAtHand>('/api/machines/F3B-02-001')).body.labId).toBe('LAB02');
  });
});
