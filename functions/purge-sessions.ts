import { purgeExpiredSessions } from '../shared/data/sessions-repository.js';
import { settings } from '../shared/platform/config.js';
import { timer } from '../shared/platform/registry.js';

/** Sessions are refused once expired anyway; this keeps the container from growing (the local store has no TTL). */
timer({
  name: 'purgeExpiredSessions',
  schedule: '0 */15 * * * *',
  handler: async (_timer, context) => {
    const purged = await purgeExpiredSessions(new Date(), settings().SESSION_IDLE_MINUTES);
    if (purged > 0) context.log(`Purged ${purged} expired sessions`);
  },
});
