import { listLabs } from '../data/labs-repository.js';
import type { SessionDocument } from '../data/sessions-repository.js';
import type { UserDocument } from '../data/users-repository.js';
import { passwordChangeDue } from '../domain/password-age.js';
import { settings } from '../platform/config.js';
import type { Role } from '../schemas/common.js';
import type { SessionView } from '../schemas/auth.js';
import { displayNameOf } from './principal.js';

/** Every lab the user may see, with the role that applies there. */
export async function visibleLabsOf(user: Pick<UserDocument, 'companyRole' | 'labAccess'>): Promise<{ labId: string; name: string; role: Role }[]> {
  const labs = await listLabs();
  if (user.companyRole) return labs.map((lab) => ({ labId: lab.labId, name: lab.name, role: user.companyRole! }));
  const names = new Map(labs.map((lab) => [lab.labId, lab.name]));
  return user.labAccess
    .filter((access) => names.has(access.labId))
    .map((access) => ({ labId: access.labId, name: names.get(access.labId)!, role: access.role }))
    .sort((a, b) => a.labId.localeCompare(b.labId));
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
    labs: await visibleLabsOf(user),
    csrfToken: session.csrfToken,
  };
}
