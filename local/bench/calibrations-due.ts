import { allEquipmentOf } from '../../shared/data/equipment-repository.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';

type Session = { cookie: string; csrf: string };
type Load = (plan: { url: string; headers: Record<string, string>; connections: number; amount: number }) => Promise<{ p50Ms: number; p99Ms: number; errors: number }>;

const plan = {
  required: true,
  reason: 'Bench: every machine of the lab is calibrated yearly',
  intervalMonths: 12,
  warningDays: 30,
  graceDays: 7,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [
    { name: 'Spindle at 10,000 rpm', unit: 'rpm', nominal: 10000, lowerLimit: 9950, upperLimit: 10050 },
    { name: 'Spindle at 30,000 rpm', unit: 'rpm', nominal: 30000, lowerLimit: 29900, upperLimit: 30100 },
  ],
};

/**
 * The lab's calibrations due (SPEC §9) with every machine of the lab on a plan and none calibrated
 * yet: the longest list the lab can have, every machine in it.
 */
export async function measureCalibrationsDue(
  product: Pick<LocalProduct, 'url' | 'countCosmosRequests'>,
  labId: string,
  admin: Session,
  calls: number,
  load: Load,
): Promise<{ machines: number; rows: number; p50Ms: number; p99Ms: number; errors: number; counts: CosmosRequestCounts }> {
  const machines = await allEquipmentOf(labId);
  const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: product.url, 'content-type': 'application/json' };
  for (const machine of machines) {
    const answer = await fetch(`${product.url}/api/labs/${labId}/equipment/${encodeURIComponent(machine.serialNumber)}/calibration-plan`, { method: 'PUT', headers, body: JSON.stringify(plan) });
    if (!answer.ok) throw new Error(`Setting the calibration plan of ${machine.serialNumber} answered ${answer.status}: ${await answer.text()}`);
  }
  const path = `/api/labs/${labId}/calibrations/due?within=30`;
  const counted = await product.countCosmosRequests(async () => {
    const response = await fetch(`${product.url}${path}`, { headers: { cookie: admin.cookie } });
    return (await response.json()) as { items: unknown[] };
  });
  const latency = await load({ url: `${product.url}${path}`, headers: { cookie: admin.cookie }, connections: 1, amount: calls });
  return { machines: machines.length, rows: counted.result.items.length, p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, errors: latency.errors, counts: counted.counts };
}
