import type { AuditAction } from '../domain/audit-actions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { visibleLabsOf } from '../auth/session-view.js';
import { DocumentExists } from '../data/errors.js';
import { changeLab, createLab, listLabs, readLab, type LabDocument } from '../data/labs-repository.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { canAnywhere } from '../domain/permissions.js';
import type { RequestFacts } from '../platform/http-pipeline.js';
import { conflict, forbidden, notFound } from '../platform/problems.js';
import type { CreateLab, Lab, UpdateLab, VisibleLab } from '../schemas/labs.js';
import { auditEvent } from '../domain/audit-entries.js';

function labView(lab: LabDocument): Lab {
  return { labId: lab.labId, name: lab.name, timeZone: lab.timeZone, active: lab.active };
}

function labEvent(action: AuditAction, labId: string, actor: AuditActor, requestId: string | undefined, extra: Partial<AuditEvent>): AuditEvent {
  return auditEvent(action, { kind: 'lab', labId }, actor, requestId ? { requestId } : null, extra);
}

export function assertMayAdministerLabs(principal: Principal): void {
  if (!canAnywhere(principal, 'administration', 'write')) throw forbidden('Only an administrator can add or change labs.');
}

export async function labsVisibleTo(principal: Principal): Promise<VisibleLab[]> {
  return visibleLabsOf(principal.user, await listLabs()).map(({ lab, role }) => ({ ...labView(lab), role }));
}

/** `actor` is the administrator, or the product itself for the demo seed. */
export async function addLab(actor: AuditActor, input: CreateLab, facts: RequestFacts | null): Promise<Lab> {
  const lab: LabDocument = { id: input.labId, type: 'lab', ...input, createdAt: new Date().toISOString() };
  try {
    await createLab(lab, [labEvent('lab.created', lab.labId, actor, facts?.requestId, { after: labView(lab) })]);
  } catch (error) {
    if (error instanceof DocumentExists) throw conflict(`A lab ${input.labId} already exists.`);
    throw error;
  }
  return labView(lab);
}

export async function labExists(labId: string): Promise<boolean> {
  return (await readLab(labId)) !== null;
}

export async function updateLab(principal: Principal, labId: string, patch: UpdateLab, facts: RequestFacts): Promise<Lab> {
  const updated = await changeLab(labId, (current) => {
    const next: LabDocument = { ...current, ...patch };
    const before = labView(current);
    const after = labView(next);
    const changed = (Object.keys(after) as (keyof Lab)[]).filter((key) => before[key] !== after[key]);
    if (changed.length === 0) return null;
    return {
      lab: next,
      events: [
        labEvent('lab.updated', labId, actorOf(principal), facts.requestId, {
          before: Object.fromEntries(changed.map((key) => [key, before[key]])),
          after: Object.fromEntries(changed.map((key) => [key, after[key]])),
        }),
      ],
    };
  });
  if (!updated) throw notFound(`There is no lab ${labId}.`);
  return labView(updated);
}
