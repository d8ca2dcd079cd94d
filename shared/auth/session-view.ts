import { listLabs, type LabDocument } from '../data/labs-repository.js';
import type { SessionDocument } from '../data/sessions-repository.js';
import type { UserDocument } from '../data/users-repository.js';
import { passwordChangeDue } from '../domain/password-age.js';
import { settings } from '../platform/config.js';
import type { Role } from '../schemas/common.js';
import type { SessionView } from '../schemas/auth.js';
import { displayNameOf } from './principal.js';

/** Every lab the user may see, with the role that applies there. */
export function visibleLabsOf(user: Pick<UserDocument, 'companyRole' | 'labAccess'>, labs: readonly LabDocument[]): { lab: LabDocument; role: Role }[] {
  if (user.companyRole) return labs.map((lab) => ({ lab, role: user.companyRole! }));
  const roles = new Map(user.labAccess.map((access) => [access.labId, access.role]));
  return labs.filter((lab) => roles.has(lab.labId)).map((lab) => ({ lab, role: roles.get(lab.labId)! }));
}

export async function sessionView(user: UserDocument, session: SessionDocument): Promise<SessionView> {
  return {
    user: {
      username: user.username,
      displayName: displayNameOf(user),
      primaryLabId: user.primaryLabId,
      mustChangePassword: passwordChangeDue(user, new Date(), settings().PASSWORD_MAX_AGE_DAYS),
      authMethod: user.authMethod,
    },
    labs: visibleLabsOf(user, await listLabs()).map(({ lab, role }) => ({ labId: lab.labId, name: lab.name, timeZone: lab.timeZone, role })),
    csrfToken: session.csrfToken,
  };
}
