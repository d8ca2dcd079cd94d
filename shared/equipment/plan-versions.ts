import type { AuditActor } from '../domain/audit-chain.js';
import { badRequest } from '../platform/problems.js';
import type { DefaultPlan, PlanInput } from '../schemas/calibration-plan.js';
import type { PlanPoint, PlanVersion } from '../schemas/calibration.js';

/**
 * Points keep the ids they were sent with, so results stay tied to them; a point sent without one keeps
 * the id of the earlier version's point of the same name, and a new point gets the next free P1, P2, ...
 */
export function withPointIds(points: PlanInput['points'], previous: readonly PlanPoint[]): PlanPoint[] {
  const sent = points.map((point) => point.pointId).filter((id): id is string => id !== undefined);
  const duplicate = sent.find((id, index) => sent.indexOf(id) !== index);
  if (duplicate)
    throw badRequest(`Two points have the id ${duplicate}; each point needs its own.`, [{ field: 'points', message: `has the point id ${duplicate} twice` }]);
  const taken = new Set([...sent, ...previous.map((point) => point.pointId)]);
  const byName = new Map(previous.filter((point) => !sent.includes(point.pointId)).map((point) => [point.name.toLowerCase(), point.pointId]));
  let next = 1;
  return points.map(({ pointId, ...point }) => {
    if (pointId) return { pointId, ...point };
    const earlier = byName.get(point.name.toLowerCase());
    if (earlier) {
      byName.delete(point.name.toLowerCase());
      return { pointId: earlier, ...point };
    }
    while (taken.has(`P${next}`)) next++;
    taken.add(`P${next}`);
    return { pointId: `P${next}`, ...point };
  });
}

export { emptyCalibrationState } from '../domain/machine-lifecycle.js';

/**
 * A machine's first plan version from its model's default plan: registering copies it (SPEC §9), and
 * from then on the machine's plan changes on its own.
 */
export function firstVersionFrom(plan: DefaultPlan, changedBy: AuditActor, changedAt: string, changeReason: string): PlanVersion {
  return { ...plan, points: withPointIds(plan.points, []), version: 1, changedAt, changedBy, changeReason };
}
