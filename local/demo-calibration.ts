import { Readable } from 'node:stream';
import { displayNameOf, grantsOf, type Principal } from '../shared/auth/principal.js';
import { decideCalibration, recordCalibration } from '../shared/calibration/calibrations.js';
import { addCertificate } from '../shared/calibration/certificates.js';
import { setCalibrationPlan } from '../shared/calibration/plans.js';
import { addProvider, findProvider } from '../shared/calibration/providers.js';
import { addEquipmentClass, addModel } from '../shared/catalog/manage-catalog.js';
import { readEquipmentClass, readModel } from '../shared/data/catalog-repository.js';
import { readEquipment } from '../shared/data/equipment-repository.js';
import type { SessionDocument } from '../shared/data/sessions-repository.js';
import { readUser } from '../shared/data/users-repository.js';
import { addDays, nextDueDate } from '../shared/domain/calibration-rules.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { labToday } from '../shared/labs/lab-today.js';
import type { Calibration, CalibrationInput, PlanInput } from '../shared/schemas/calibration.js';
import { demoCertificatePdf } from './demo-certificate.js';
import { systemActor } from '../shared/users/manage-users.js';

const seedFacts = { requestId: 'demo-seed', clientAddress: 'local' };
/** The demo's signatures stand for people who are not there to type a password. */
const signedForTheDemo = async () => 'password' as const;

export async function demoPrincipal(username: string): Promise<Principal> {
  const user = (await readUser(username))!.document;
  return { ...grantsOf(user), username, displayName: displayNameOf(user), user, session: {} as SessionDocument, csrfToken: '', mustChangePassword: false };
}

const ovenPlan: PlanInput = {
  required: true,
  reason: 'Firing temperatures decide the strength and shade of every restoration the lab ships.',
  intervalMonths: 12,
  warningDays: 30,
  graceDays: 7,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [
    { name: 'Firing chamber at 700 °C', unit: '°C', nominal: 700, lowerLimit: 695, upperLimit: 705 },
    { name: 'Firing chamber at 1000 °C', unit: '°C', nominal: 1000, lowerLimit: 993, upperLimit: 1007 },
  ],
};

const thermometerPlan: PlanInput = {
  required: true,
  reason: 'Reference thermometer: every oven calibration in the company traces to it.',
  intervalMonths: 12,
  warningDays: 45,
  graceDays: 0,
  decisionRule: 'guard-band',
  referenceStandard: true,
  points: [
    { name: 'Thermocouple at 700 °C', unit: '°C', nominal: 700, lowerLimit: 699, upperLimit: 701, maxUncertainty: 0.5 },
    { name: 'Thermocouple at 1000 °C', unit: '°C', nominal: 1000, lowerLimit: 999, upperLimit: 1001, maxUncertainty: 0.6 },
  ],
};

const ovenReadings = (first: number, second: number) => [
  { pointId: 'P1', value: first },
  { pointId: 'P2', value: second },
];

type Entry = Omit<CalibrationInput, 'signature' | 'initial' | 'asLeft' | 'standards'> & Partial<Pick<CalibrationInput, 'asLeft' | 'standards'>>;

/**
 * Calibration of the demo company (SPEC §9), so every calibration screen has something to show: a
 * reference thermometer calibrated by an accredited provider, and LAB01's firing ovens calibrated
 * against it, one due within days, one overdue and not fit, one waiting for approval; a LAB02 oven
 * calibrated with the same standard; LAB02's reference weights and the balance checked against them.
 * Runs once: not when the reference thermometer exists.
 */
export async function seedDemoCalibration(): Promise<void> {
  if (await readEquipment('LAB01', 'REF-T-01')) return;
  if (!(await readEquipmentClass('Reference Standard'))) await addEquipmentClass(systemActor, 'Reference Standard', null);
  if (!(await readModel('Fluke 1524'))) {
    await addModel(systemActor, { modelId: 'Fluke 1524', manufacturer: 'Fluke', equipmentClass: 'Reference Standard', active: true, frequencies: {} }, null);
  }
  const providerId = 'northeast-metrology-services';
  const admin = await demoPrincipal('admin');
  if (!(await findProvider(providerId))) {
    await addProvider(
      admin,
      {
        name: 'Northeast Metrology Services',
        accreditationBody: 'A2LA',
        accreditationNumber: '2543.01',
        scope: 'Temperature, −196 to 1200 °C; thermocouples and readouts',
        accreditationExpires: '2028-06-30',
        approved: true,
      },
      seedFacts,
    );
  }
  const manager = await demoPrincipal('manager1');
  const technician = await demoPrincipal('tech1');
  const today = await labToday('LAB01');
  await registerEquipment(
    systemActor,
    'LAB01',
    { serialNumber: 'REF-T-01', modelId: 'Fluke 1524', status: 'In Service' },
    null,
    new Date(Date.now() - 400 * 86_400_000),
  );
  await registerEquipment(
    systemActor,
    'LAB01',
    { serialNumber: 'REF-T-02', modelId: 'Fluke 1524', status: 'In Service' },
    null,
    new Date(Date.now() - 400 * 86_400_000),
  );

  // A plan version is dated the lab's evening before the first calibration it judges: a record an
  // assessor reads in order (registered, planned, calibrated).
  const plan = (labId: string, serialNumber: string, input: PlanInput, firstJudged: string) =>
    setCalibrationPlan(manager, labId, serialNumber, input, seedFacts, new Date(`${firstJudged}T00:00:00Z`));
  const calibrate = (by: Principal, labId: string, serialNumber: string, entry: Entry) =>
    recordCalibration(
      by,
      labId,
      serialNumber,
      // An accredited provider's certificate is entered, not performed, by the one who types it in.
      { initial: false, asLeft: [], standards: [], ...entry, signature: { meaning: entry.kind === 'external' ? 'Entered by' : 'Performed by' } },
      seedFacts,
      signedForTheDemo,
    );
  const approve = async (by: Principal, labId: string, serialNumber: string, calibrationNumber: string) =>
    decideCalibration(by, labId, serialNumber, calibrationNumber, { decision: 'approve', signature: { meaning: 'Approved by' } }, seedFacts, signedForTheDemo);

  /**
   * A reference thermometer's calibration from the accredited provider, entered by the administrator
   * with its certificate file (if any) and then approved by the manager: approved calibrations take
   * no more certificates.
   */
  const certifiedThermometer = async (
    serialNumber: string,
    daysAgo: number,
    certificateNumber: string,
    at700: number,
    at1000: number,
    certificateFile?: (entered: Calibration) => Buffer,
  ) => {
    await plan('LAB01', serialNumber, thermometerPlan, addDays(today, -daysAgo));
    const entered = await calibrate(admin, 'LAB01', serialNumber, {
      performedOn: addDays(today, -daysAgo),
      kind: 'external',
      providerId,
      certificateNumber,
      asFound: [
        { pointId: 'P1', value: at700, uncertainty: 0.3 },
        { pointId: 'P2', value: at1000, uncertainty: 0.4 },
      ],
      adjusted: false,
    });
    if (certificateFile)
      await addCertificate(
        admin,
        'LAB01',
        serialNumber,
        entered.calibrationNumber,
        Readable.from([certificateFile(entered)]),
        `${certificateNumber}.pdf`,
        seedFacts,
      );
    await approve(manager, 'LAB01', serialNumber, entered.calibrationNumber);
    return entered;
  };
  await certifiedThermometer('REF-T-01', 200, 'NMS-2026-04471', 700.2, 1000.3, (entered) =>
    demoCertificatePdf([
      'Certificate of Calibration NMS-2026-04471',
      'Northeast Metrology Services - A2LA accredited, certificate 2543.01',
      `Instrument: Fluke 1524 reference thermometer, serial REF-T-01 (${entered.calibrationNumber})`,
      `Calibrated on ${entered.performedOn} by comparison in a stirred bath and a dry-well furnace`,
      'Point 700 C: found 700.2 C, expanded uncertainty 0.3 C (k=2) - within 699 to 701 C',
      'Point 1000 C: found 1000.3 C, expanded uncertainty 0.4 C (k=2) - within 999 to 1001 C',
      'Decision rule: guard band (ILAC-G8). No adjustment made.',
      'Traceable to NIST through the laboratory reference SPRT 5681-22.',
    ]),
  );

  // The second reference thermometer, the one that will be found out of tolerance below.
  await certifiedThermometer('REF-T-02', 250, 'NMS-2026-02210', 700.1, 999.8);

  // Due within ten days: calibrated a year ago less nine days.
  const dueSoonOn = nextDueDate(addDays(today, 9), { months: -12 });
  await plan('LAB01', 'PS2-01-003', ovenPlan, dueSoonOn);
  const dueSoon = await calibrate(technician, 'LAB01', 'PS2-01-003', {
    performedOn: dueSoonOn,
    kind: 'internal',
    asFound: ovenReadings(701, 1002),
    adjusted: false,
  });
  await approve(manager, 'LAB01', 'PS2-01-003', dueSoon.calibrationNumber);

  // Overdue past its grace: not fit.
  await plan('LAB01', 'PS2-01-007', ovenPlan, addDays(today, -400));
  const overdue = await calibrate(technician, 'LAB01', 'PS2-01-007', {
    performedOn: addDays(today, -400),
    kind: 'internal',
    asFound: ovenReadings(699, 998),
    adjusted: false,
  });
  await approve(manager, 'LAB01', 'PS2-01-007', overdue.calibrationNumber);

  // Calibrated against the reference thermometer, and again two days ago: that one waits for approval.
  await plan('LAB01', 'PS2-01-011', ovenPlan, addDays(today, -150));
  const earlier = await calibrate(technician, 'LAB01', 'PS2-01-011', {
    performedOn: addDays(today, -150),
    kind: 'internal',
    asFound: ovenReadings(700.5, 1001),
    adjusted: false,
    standards: ['REF-T-01', 'REF-T-02'],
  });
  await approve(manager, 'LAB01', 'PS2-01-011', earlier.calibrationNumber);
  await calibrate(technician, 'LAB01', 'PS2-01-011', {
    performedOn: addDays(today, -2),
    kind: 'internal',
    asFound: ovenReadings(704.2, 1004),
    adjusted: true,
    adjustment: 'Thermocouple offset corrected by −3.5 °C at the 700 °C point, close to its upper limit',
    asLeft: ovenReadings(700.8, 1003),
    standards: ['REF-T-01'],
  });

  // Another lab's oven, calibrated with LAB01's reference thermometer.
  await plan('LAB02', 'PS2-02-003', ovenPlan, addDays(today, -60));
  const chicago = await calibrate(manager, 'LAB02', 'PS2-02-003', {
    performedOn: addDays(today, -60),
    kind: 'internal',
    asFound: ovenReadings(700.1, 999.5),
    adjusted: false,
    standards: ['REF-T-01', 'REF-T-02'],
  });
  await approve(admin, 'LAB02', 'PS2-02-003', chicago.calibrationNumber);

  // Yesterday's intermediate check found the second reference thermometer out of tolerance: that
  // opens a nonconformity, quarantines it, and lists the oven calibrations made with it since its
  // last certificate, LAB02's among them, for each lab's manager to dispose.
  await calibrate(technician, 'LAB01', 'REF-T-02', {
    performedOn: addDays(today, -1),
    kind: 'internal',
    asFound: [
      { pointId: 'P1', value: 701.6, uncertainty: 0.3 },
      { pointId: 'P2', value: 1000.4, uncertainty: 0.4 },
    ],
    adjusted: false,
  });

  await seedDemoWeights({ admin, manager }, providerId, today, { plan, calibrate, approve });
}

const weightSetPlan: PlanInput = {
  required: true,
  reason: 'Reference weights: the lab balance that doses investment powder is checked against them.',
  intervalMonths: 24,
  warningDays: 60,
  graceDays: 0,
  decisionRule: 'guard-band',
  referenceStandard: true,
  points: [
    { name: '100 g weight', unit: 'g', nominal: 100, lowerLimit: 99.99984, upperLimit: 100.00016, maxUncertainty: 0.00005 },
    { name: '500 g weight', unit: 'g', nominal: 500, lowerLimit: 499.9992, upperLimit: 500.0008, maxUncertainty: 0.00025 },
  ],
};

const balancePlan: PlanInput = {
  required: true,
  reason: 'Powder-to-liquid ratios of every investment mix are weighed on it.',
  intervalMonths: 6,
  warningDays: 21,
  graceDays: 5,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [
    { name: 'Load of 100 g', unit: 'g', nominal: 100, lowerLimit: 99.98, upperLimit: 100.02 },
    { name: 'Load of 500 g', unit: 'g', nominal: 500, lowerLimit: 499.95, upperLimit: 500.05 },
  ],
};

interface DemoSteps {
  plan: (labId: string, serialNumber: string, input: PlanInput, firstJudged: string) => Promise<unknown>;
  calibrate: (by: Principal, labId: string, serialNumber: string, entry: Entry) => Promise<{ calibrationNumber: string; performedOn: string }>;
  approve: (by: Principal, labId: string, serialNumber: string, calibrationNumber: string) => Promise<unknown>;
}

/**
 * LAB02's reference weight set (class E2, calibrated by the accredited provider, with its PDF
 * certificate, entered by a manager) and the lab balance checked against it by a technician; an
 * administrator approves both.
 */
async function seedDemoWeights(
  { admin, manager }: { admin: Principal; manager: Principal },
  providerId: string,
  today: string,
  steps: DemoSteps,
): Promise<void> {
  if (!(await readModel('Mettler E2 weight set'))) {
    await addModel(
      systemActor,
      { modelId: 'Mettler E2 weight set', manufacturer: 'Mettler Toledo', equipmentClass: 'Reference Standard', active: true, frequencies: {} },
      null,
    );
  }
  if (!(await readEquipmentClass('Balance'))) await addEquipmentClass(systemActor, 'Balance', null);
  if (!(await readModel('Sartorius Quintix 613'))) {
    await addModel(
      systemActor,
      { modelId: 'Sartorius Quintix 613', manufacturer: 'Sartorius', equipmentClass: 'Balance', active: true, frequencies: {} },
      null,
    );
  }
  const since = new Date(Date.now() - 500 * 86_400_000);
  await registerEquipment(systemActor, 'LAB02', { serialNumber: 'REF-W-02', modelId: 'Mettler E2 weight set', status: 'In Service' }, null, since);
  await registerEquipment(systemActor, 'LAB02', { serialNumber: 'BAL-02-001', modelId: 'Sartorius Quintix 613', status: 'In Service' }, null, since);

  await steps.plan('LAB02', 'REF-W-02', weightSetPlan, addDays(today, -300));
  const weights = await steps.calibrate(manager, 'LAB02', 'REF-W-02', {
    performedOn: addDays(today, -300),
    kind: 'external',
    providerId,
    certificateNumber: 'NMS-2026-01187',
    asFound: [
      { pointId: 'P1', value: 100.00004, uncertainty: 0.00003 },
      { pointId: 'P2', value: 499.99981, uncertainty: 0.00015 },
    ],
    adjusted: false,
  });
  const certificate = demoCertificatePdf([
    'Certificate of Calibration NMS-2026-01187',
    'Northeast Metrology Services - A2LA accredited, certificate 2543.01',
    `Weight set, OIML class E2, serial REF-W-02 (${weights.calibrationNumber})`,
    `Calibrated on ${weights.performedOn} by subdivision against the laboratory's E1 reference set`,
    '100 g: conventional mass 100.00004 g, expanded uncertainty 0.03 mg (k=2)',
    '500 g: conventional mass 499.99981 g, expanded uncertainty 0.15 mg (k=2)',
    'Decision rule: guard band (ILAC-G8). Traceable to the SI through NIST.',
  ]);
  await addCertificate(admin, 'LAB02', 'REF-W-02', weights.calibrationNumber, Readable.from([certificate]), 'NMS-2026-01187.pdf', seedFacts);
  await steps.approve(admin, 'LAB02', 'REF-W-02', weights.calibrationNumber);

  await steps.plan('LAB02', 'BAL-02-001', balancePlan, addDays(today, -40));
  const technician = await demoPrincipal('tech2');
  const balance = await steps.calibrate(technician, 'LAB02', 'BAL-02-001', {
    performedOn: addDays(today, -40),
    kind: 'internal',
    asFound: [
      { pointId: 'P1', value: 100.01 },
      { pointId: 'P2', value: 500.02 },
    ],
    adjusted: false,
    standards: ['REF-W-02'],
  });
  await steps.approve(admin, 'LAB02', 'BAL-02-001', balance.calibrationNumber);
}
