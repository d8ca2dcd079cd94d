import { addEquipmentClass, addModel } from '../shared/catalog/manage-catalog.js';
import { readEquipmentClass, readModel } from '../shared/data/catalog-repository.js';
import { readEquipment } from '../shared/data/equipment-repository.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import type { CreateModel, TaskInput } from '../shared/schemas/catalog.js';
import type { EquipmentStatus } from '../shared/schemas/equipment.js';
import { systemActor } from '../shared/users/manage-users.js';

const demoClasses = ['3D Printer', 'Mill', 'Sinter Oven', 'Desktop Scanner'];

const check = (text: string): TaskInput => ({ text, kind: 'check' });
const reading = (text: string, unit?: string, min?: number, max?: number, decimals?: number): TaskInput => ({
  text,
  kind: 'reading',
  ...(unit !== undefined ? { unit } : {}),
  ...(min !== undefined ? { min } : {}),
  ...(max !== undefined ? { max } : {}),
  ...(decimals !== undefined ? { decimals } : {}),
});

/** Between them, every frequency, with tick-box checks and readings with and without limits. */
const demoModels: (CreateModel & { code: string })[] = [
  {
    code: 'F3B',
    modelId: 'Form 3B',
    manufacturer: 'Formlabs',
    equipmentClass: '3D Printer',
    active: true,
    frequencies: {
      Daily: { tasks: [check('Inspect the resin tank for cloudiness or debris'), check('Wipe the build platform'), reading('Room temperature', '°C', 18, 28)] },
      Weekly: { tasks: [check('Clean the optical window'), check('Inspect the wiper blade')] },
      Monthly: { tasks: [check('Install firmware updates'), reading('Resin tank prints since replacement', 'prints')] },
      Quarterly: { tasks: [check('Replace the air filter')] },
    },
    // Resin tanks wear by the layers printed on them, not by the calendar (SPEC §15).
    usageSchedules: [
      {
        meter: 'Layers printed',
        every: 2000,
        dueWithin: { days: 7 },
        tasks: [check('Replace the resin tank'), check('Inspect the optical window under the tank')],
      },
    ],
  },
  {
    code: 'DWX',
    modelId: 'DWX-52DCi',
    manufacturer: 'Roland DGA',
    equipmentClass: 'Mill',
    active: true,
    frequencies: {
      Daily: { tasks: [check('Empty the dust collector'), reading('Spindle air pressure', 'MPa', 0.18, 0.22, 2)] },
      Weekly: { tasks: [check('Clean the milling chamber'), check('Check the tool holders for wear')] },
      // The run time the mill's screen shows becomes a reading of its spindle-hours meter.
      Monthly: { tasks: [{ ...reading('Spindle run time', 'h'), meter: 'Spindle hours' }] },
      Annual: { tasks: [check('Manufacturer service and calibration')] },
    },
    usageSchedules: [
      {
        meter: 'Spindle hours',
        every: 500,
        // A mill that runs little still has its spindle serviced twice a year.
        orEveryMonths: 6,
        dueWithin: { days: 14 },
        tasks: [check('Replace the spindle collet and clean the taper'), reading('Spindle run-out', 'µm', 0, 5)],
      },
    ],
  },
  {
    code: 'PS2',
    modelId: 'Programat S2',
    manufacturer: 'Ivoclar',
    equipmentClass: 'Sinter Oven',
    active: true,
    frequencies: {
      Weekly: { tasks: [check('Inspect the firing plate and tray')] },
      // A firing temperature off by degrees spoils a whole batch: a second person verifies this one.
      Monthly: { tasks: [reading('Temperature calibration deviation', '°C', -5, 5)], needsVerification: true },
      Quarterly: { tasks: [check('Check the thermocouple and heating elements')] },
      Annual: { tasks: [check('Full calibration by a service engineer')] },
    },
  },
  {
    code: 'T710',
    modelId: 'Medit T710',
    manufacturer: 'Medit',
    equipmentClass: 'Desktop Scanner',
    active: true,
    frequencies: {
      Daily: { tasks: [check('Clean the scanning tray and lenses')] },
      Weekly: { tasks: [check('Scan the calibration plate')] },
      Monthly: { tasks: [reading('Calibration accuracy', 'µm', 0, 10)] },
    },
  },
  {
    code: 'F2',
    modelId: 'Form 2',
    manufacturer: 'Formlabs',
    equipmentClass: '3D Printer',
    active: false,
    frequencies: { Daily: { tasks: [check('Inspect the resin tank')] } },
  },
];

/** Twenty machines in service per lab, and a few that are not. */
function demoEquipment(labId: string): { serialNumber: string; modelId: string; status: EquipmentStatus }[] {
  const lab = labId.slice(-2);
  const active = demoModels.filter((model) => model.active);
  const inService = Array.from({ length: 20 }, (_, index) => {
    const model = active[index % active.length]!;
    return { serialNumber: `${model.code}-${lab}-${String(index + 1).padStart(3, '0')}`, modelId: model.modelId, status: 'In Service' as EquipmentStatus };
  });
  const others: { serialNumber: string; modelId: string; status: EquipmentStatus }[] = [
    { serialNumber: `F3B-${lab}-101`, modelId: 'Form 3B', status: 'Out of Service' },
    { serialNumber: `DWX-${lab}-102`, modelId: 'DWX-52DCi', status: labId === 'LAB01' ? 'Repair offsite' : 'Repair onsite' },
    { serialNumber: `PS2-${lab}-103`, modelId: 'Programat S2', status: labId === 'LAB01' ? 'Retired onsite' : 'Retired offsite' },
  ];
  return [...inService, ...others];
}

export const demoEquipmentLabs = ['LAB01', 'LAB02'];

/** The demo machines have been in service a few days, so the first run has history to show. */
const demoServiceDays = 3;
/** Days since the demo machines were registered: before the oldest calibration the demo enters (400 days back). */
const demoRegisteredDays = 500;

/** Adds whatever of the demo catalogue is missing, so it is safe on every start. */
export async function seedDemoCatalog(): Promise<void> {
  for (const name of demoClasses) {
    if (!(await readEquipmentClass(name))) await addEquipmentClass(systemActor, name, null);
  }
  const since = new Date(Date.now() - demoServiceDays * 86_400_000);
  // Registered well before the calibrations the demo enters for them, which go back over a year; they
  // owe checklists only from their models' start, a few days ago.
  const registeredSince = new Date(Date.now() - demoRegisteredDays * 86_400_000);
  for (const { code: _code, ...model } of demoModels) {
    if (!(await readModel(model.modelId))) await addModel(systemActor, model, null, since);
  }
  // Looked up together; registered one at a time, since each moves its lab's audit chain.
  const machines = demoEquipmentLabs.flatMap((labId) => demoEquipment(labId).map((machine) => ({ labId, machine })));
  const present = await Promise.all(machines.map(({ labId, machine }) => readEquipment(labId, machine.serialNumber)));
  for (const [index, { labId, machine }] of machines.entries()) {
    if (!present[index]) await registerEquipment(systemActor, labId, machine, null, registeredSince);
  }
}
