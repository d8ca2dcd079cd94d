import { noteOverdueCalibrations } from '../calibration/overdue-check.js';
import { noticeAgingNonconformities } from '../nonconformities/aging.js';
import { recheckUsage } from '../meters/usage-records.js';
import { generateRecords, generatorActor, type GenerateOptions, type LabRunSummary } from '../records/generate-records.js';

/**
 * One lab's run, hourly or after its machines changed: its records brought up to date (SPEC §2), then,
 * with the machines the generation read, its overdue calibrations noted, its aging nonconformities
 * chased, and its meters' usage records opened where a lost write or a schedule's months call for one.
 */
export async function generateLab(labId: string, now: Date, runId: string, options: GenerateOptions = {}): Promise<LabRunSummary> {
  const { summary, machines, timeZone } = await generateRecords(labId, now, runId, options);
  if (timeZone !== null) {
    await noteOverdueCalibrations(labId, now, { machines, timeZone });
    noticeAgingNonconformities(labId, machines, now, timeZone);
    await recheckUsage(labId, machines, now, timeZone, generatorActor);
  }
  return summary;
}
