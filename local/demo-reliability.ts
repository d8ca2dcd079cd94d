import { readEquipment } from '../shared/data/equipment-repository.js';
import { parseDay, startOfDay } from '../shared/domain/periods.js';
import { addRepairAction, closeNonconformity, reportNonconformity } from '../shared/nonconformities/nonconformities.js';
import { receiveProblemReport, requestToNonconformity } from '../shared/nonconformities/problem-reports.js';
import { returnToService } from '../shared/nonconformities/return-to-service.js';
import { labTimeZone, labToday } from '../shared/labs/lab-today.js';
import { demoPrincipal } from './demo-calibration.js';

const seedFacts = { requestId: 'demo-seed', clientAddress: 'demo-seed' };
/** The demo's signatures stand for people who are not there to type a password. */
const signedForTheDemo = async () => 'password' as const;
const hours = (count: number) => count * 3_600_000;

/** The lab whose machines fail in the demo, and how many days back their story starts. */
export const reliabilityDemoLab = 'LAB02';
export const reliabilityDemoDaysBack = 150;

/**
 * Each demo failure, in hours from the story's start (9:00 lab time, `reliabilityDemoDaysBack` days
 * ago): when it was reported, when it was quarantined, when it moved to repair (if it did) and when a
 * manager returned it to service. The reliability test adds these up by hand.
 */
export const reliabilityDemoFailures = [
  {
    serialNumber: 'DWX-02-002',
    reported: 0,
    fromRequest: true,
    description: 'Spindle stalls mid-job with error E-1020; the crown blank is ruined.',
    quarantined: 2,
    repair: { at: 26, status: 'Repair onsite' as const, text: 'Spindle motor brushes replaced by the service engineer.' },
    returned: 50,
  },
  {
    serialNumber: 'F3B-02-001',
    reported: 720,
    fromRequest: true,
    description: 'Resin tank leaks onto the build platform.',
    quarantined: 721,
    repair: null,
    returned: 751,
  },
  {
    serialNumber: 'DWX-02-002',
    reported: 1440,
    fromRequest: false,
    description: 'Dust collector suction lost during a zirconia job.',
    quarantined: 1440,
    repair: { at: 1464, status: 'Repair offsite' as const, text: 'Sent to Roland for a dust collector motor replacement.' },
    returned: 1584,
  },
];

/**
 * Months of failures and repairs at the demo's second lab, so the reliability figures and the machine
 * page's chart have something to show: problems reported at a label and turned into nonconformities,
 * a fault reported by a technician, repairs onsite and offsite, signed returns to service and closed
 * nonconformities, each written through the product's own steps with its past time. Runs once: not
 * when the first machine has a return to service.
 */
export async function seedDemoReliability(): Promise<void> {
  const first = await readEquipment(reliabilityDemoLab, reliabilityDemoFailures[0]!.serialNumber);
  if (!first || first.document.returnsToService?.length) return;
  const manager = await demoPrincipal('manager1');
  const timeZone = await labTimeZone(reliabilityDemoLab);
  const start = startOfDay(parseDay(await labToday(reliabilityDemoLab)) - reliabilityDemoDaysBack, timeZone).getTime() + hours(9);
  const at = (offset: number) => new Date(start + hours(offset));
  for (const failure of reliabilityDemoFailures) {
    const machine = (await readEquipment(reliabilityDemoLab, failure.serialNumber))!.document;
    const nc = failure.fromRequest
      ? await requestToNonconformity(
          manager,
          reliabilityDemoLab,
          (
            await receiveProblemReport(
              failure.serialNumber,
              machine.reportKey,
              { description: failure.description, reporterName: 'Night shift' },
              seedFacts,
              at(failure.reported),
            )
          ).reportNumber,
          seedFacts,
          at(failure.quarantined),
        )
      : await reportNonconformity(
          manager,
          reliabilityDemoLab,
          { serialNumber: failure.serialNumber, description: failure.description },
          seedFacts,
          at(failure.quarantined),
        );
    if (failure.repair) {
      await addRepairAction(
        manager,
        reliabilityDemoLab,
        nc.ncNumber,
        { text: failure.repair.text, statusChange: failure.repair.status },
        seedFacts,
        at(failure.repair.at),
      );
    }
    await returnToService(
      manager,
      reliabilityDemoLab,
      failure.serialNumber,
      { nonconformities: [nc.ncNumber], note: 'Test job run and inspected: the machine works as before.', signature: { meaning: 'Verified by' } },
      seedFacts,
      signedForTheDemo,
      at(failure.returned),
    );
    await closeNonconformity(
      manager,
      reliabilityDemoLab,
      nc.ncNumber,
      { summary: 'Repaired and verified; no result was made on the machine while it was faulty.', signature: { meaning: 'Closed by' } },
      seedFacts,
      signedForTheDemo,
      at(failure.returned),
    );
  }
}
