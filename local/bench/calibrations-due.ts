import { allEquipmentOf } from '../../shared/data/equipment-repository.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';

type Session = { cookie: string; csrf: string };
type Load = (plan: {
  url: string;
  headers: Record<string, string>;
  connections: number;
  amount: number;
}) => Promise<{ p50Ms: number; p99Ms: number; errors: number }>;

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
): Promise<{ machines: number; rows: number; p50Ms: number; p99Ms: number; errors: number; firstCounts: CosmosRequestCounts; counts: CosmosRequestCounts }> {
  const machines = await allEquipmentOf(labId);
  const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: product.url, 'content-type': 'application/json' };
  for (const machine of machines) {
    const answer = await fetch(`${product.url}/api/labs/${labId}/equipment/${encodeURIComponent(machine.serialNumber)}/calibration-plan`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(plan),
    });
    if (!answer.ok) throw new Error(`Setting the calibration plan of ${machine.serialNumber} answered ${answer.status}: ${await answer.text()}`);
  }
  const path = `/api/labs/${labId}/calibrations/due?within=30`;
  const call = () =>
    product.countCosmosRequests(async () => {
      const response = await fetch(`${product.url}${path}`, { headers: { cookie: admin.cookie } });
      return (await response.json()) as { items: unknown[] };
    });
  // The plans were just written, so the first call reads the lab's machines; the next ones, within the minute, need not.
  const first = await call();
  const counted = await call();
  const latency = await load({ url: `${product.url}${path}`, headers: { cookie: admin.cookie }, connections: 1, amount: calls });
  return {
    machines: machines.length,
    rows: counted.result.items.length,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    errors: latency.errors,
    firstCounts: first.counts,
    counts: counted.counts,
  };
}

/** One signed calibration of the lab's first machine (on the plan above); answers its path, for its certificates. */
export async function recordBenchCalibration(product: Pick<LocalProduct, 'url'>, labId: string, admin: Session, password: string): Promise<string> {
  const [machine] = await allEquipmentOf(labId);
  const path = `/api/labs/${labId}/equipment/${encodeURIComponent(machine!.serialNumber)}/calibrations`;
  const answer = await fetch(`${product.url}${path}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: product.url, 'content-type': 'application/json' },
    body: JSON.stringify({
      performedOn: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
      kind: 'internal',
      asFound: [
        { pointId: 'P1', value: 10_010 },
        { pointId: 'P2', value: 30_020 },
      ],
      adjusted: false,
      signature: { password },
    }),
  });
  if (answer.status !== 201) throw new Error(`Recording the bench calibration answered ${answer.status}: ${await answer.text()}`);
  return `${path}/${((await answer.json()) as { calibrationNumber: string }).calibrationNumber}`;
}
