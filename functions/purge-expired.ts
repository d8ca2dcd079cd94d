import { purgeOldAttemptCounters } from '../shared/data/attempt-counters.js';
import { purgeExpiredSessions } from '../shared/data/sessions-repository.js';
import { settings } from '../shared/platform/config.js';
import { timer } from '../shared/platform/registry.js';

/**
 * Expired sessions are refused anyway, and old attempt counters no longer count; this keeps their
 * containers small where Cosmos TTL does not run (the local store).
 */
timer({
  name: 'purgeExpired',
  schedule: '0 */15 * * * *',
  handler: async (_timer, context) => {
    const now = new Date();
    const sessions = await purgeExpiredSessions(now, settings().SESSION_IDLE_MINUTES);
    const counters = await purgeOldAttemptCounters(new Date(now.getTime() - 10 * 60_000));
    if (sessions + counters > 0) context.log(`Purged ${sessions} expired sessions and ${counters} old attempt counters`);
  },
});
