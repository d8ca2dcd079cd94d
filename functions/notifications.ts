import { canAnywhere } from '../shared/domain/permissions.js';
import { localOutboxFolder, outboxView } from '../shared/notifications/outbox.js';
import { notificationQueue, labNotificationMessageSchema, planNotificationRun, runLabNotifications } from '../shared/notifications/notification-runs.js';
import { notificationSettingsOf, saveNotificationPreferences, unsubscribe } from '../shared/notifications/preferences.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { forbidden, notFound } from '../shared/platform/problems.js';
import { enqueue, http, queue, timer } from '../shared/platform/registry.js';
import {
  notificationPreferencesInputSchema,
  notificationSettingsSchema,
  outboxListSchema,
  unsubscribeInputSchema,
  unsubscribeResultSchema,
} from '../shared/schemas/notifications.js';

/** Every quarter of an hour by default (NOTIFICATION_SCHEDULE): queues the labs whose digest or notices are owed. */
timer({
  name: 'sendRemindersOnSchedule',
  schedule: '%NOTIFICATION_SCHEDULE%',
  queueOutputs: [notificationQueue],
  handler: async (_timer, context) => {
    const { runId, messages } = await planNotificationRun(new Date());
    enqueue(context, notificationQueue, messages);
    if (messages.length > 0) context.log(`Reminders run ${runId}: queued ${messages.length} labs`);
  },
});

queue({
  name: 'sendRemindersForLab',
  queueName: notificationQueue,
  message: labNotificationMessageSchema,
  handler: async (message, _delivery, context) => {
    const summary = await runLabNotifications(message.labId);
    context.log(`Reminders run ${message.runId} at ${message.labId}: ${JSON.stringify(summary)}`);
  },
});

http({
  name: 'myNotificationsRead',
  methods: ['GET'],
  route: 'me/notifications',
  access: 'signed-in',
  summary: 'What reminders the signed-in user gets: daily digests per lab, immediate notices, e-mail address and channels',
  tags: ['notifications'],
  response: notificationSettingsSchema,
  handler: async (facts) => ({ body: await notificationSettingsOf(principalOf(facts).user) }),
});

http({
  name: 'myNotificationsSave',
  methods: ['PUT'],
  route: 'me/notifications',
  access: 'signed-in',
  summary: 'Choose the reminders the signed-in user gets (audited)',
  tags: ['notifications'],
  body: notificationPreferencesInputSchema,
  response: notificationSettingsSchema,
  handler: async ({ body, ...facts }) => ({ body: await saveNotificationPreferences(principalOf(facts), body, facts) }),
});

http({
  name: 'notificationsUnsubscribe',
  methods: ['POST'],
  route: 'notifications/unsubscribe',
  access: 'public',
  summary:
    "Follow an e-mail's unsubscribe link: stops that lab's digest, or immediate notices; the signed token says whose. A link works once, and not after that preference changed again (410)",
  tags: ['notifications'],
  body: unsubscribeInputSchema,
  response: unsubscribeResultSchema,
  alsoAnswers: [410],
  handler: async ({ body, ...facts }) => ({ body: await unsubscribe(body.token, facts) }),
});

http({
  name: 'adminOutbox',
  methods: ['GET'],
  route: 'admin/outbox',
  access: 'signed-in',
  summary:
    'The local outbox: the e-mails and Teams posts that would have been sent (only where there is no Azure Communication Services); unsubscribe links and the server folder are shown to Administrators only',
  tags: ['administration'],
  response: outboxListSchema,
  authorize: (input) => {
    if (!canAnywhere(principalOf(input), 'administration', 'read')) throw forbidden('Only administrators and global auditors can read the outbox.');
  },
  handler: async (facts) => {
    if (!localOutboxFolder())
      throw notFound('There is no local outbox here: e-mail goes through Azure Communication Services and Teams posts to each lab’s webhook.');
    return { body: await outboxView(canAnywhere(principalOf(facts), 'administration', 'write')) };
  },
});
