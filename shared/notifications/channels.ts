import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import type { EmailClientOptions } from '@azure/communication-email';
import { settings } from '../platform/config.js';
import { labSecret } from '../platform/secrets.js';
import { pacedEmailSender } from './email-pacing.js';
import { reserveSend } from '../data/email-send-windows.js';
import { localOutboxFolder, writeToOutbox } from './outbox.js';
import { headerText } from './messages.js';
import type { EmailSender, OutgoingEmail } from './outgoing-email.js';

/** One post to a lab's Teams channel. */
export interface OutgoingTeamsPost {
  messageId: string;
  kind: 'digest' | 'notice';
  labId: string;
  subject: string;
  /** The Workflows webhook's body: a message with one Adaptive Card attachment. */
  payload: unknown;
}

export interface NotificationChannels {
  /** Whether e-mail can be sent at all: Azure Communication Services configured, or a local outbox. */
  emailAvailable(): boolean;
  /** Whether the lab's Teams channel can be posted to: its webhook is configured, or a local outbox. */
  teamsAvailable(labId: string): Promise<boolean>;
  sendEmail(email: OutgoingEmail): Promise<void>;
  postToTeams(post: OutgoingTeamsPost): Promise<void>;
}

/** A GUID from the message id: the same message always carries the same Operation-Id to Azure Communication Services. */
export function operationIdOf(messageId: string): string {
  const hex = createHash('sha256').update(messageId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * E-mail through Azure Communication Services with the Function App's managed identity. The send is
 * accepted when the service answers 202; delivery to the mailbox is the service's from there on, so
 * the long-running operation is not polled (its status stays readable by the operation id). The
 * client does not retry: its default policy sleeps through a 429's Retry-After inside the run (up to
 * three times, each request counting against the limit); deliveries retry instead, and wait for the
 * limit durably.
 */
export async function acsEmailSender(
  endpoint: string,
  senderAddress: string,
  credential?: TokenCredential,
  clientOptions: EmailClientOptions = {},
): Promise<EmailSender> {
  const { EmailClient } = await import('@azure/communication-email');
  const identity = credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
  const client = new EmailClient(endpoint, identity, { retryOptions: { maxRetries: 0 }, ...clientOptions });
  return async (email) => {
    await client.beginSend(
      {
        senderAddress,
        // Built from checked values already; made one line once more where they become mail headers.
        content: { subject: headerText(email.subject), plainText: email.plainText, html: email.html },
        recipients: { to: [{ address: email.to.address, displayName: headerText(email.to.displayName) }] },
        headers: email.headers,
        disableUserEngagementTracking: true,
      },
      { operationId: operationIdOf(email.messageId) },
    );
  };
}

/** Posts to a Workflows webhook ("When a Teams webhook request is received"); anything but 2xx is a failure to retry. */
export async function postToWebhook(url: string, payload: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`Teams webhook answered ${response.status} ${response.statusText}`.trim());
}

/** The secret holding a lab's Teams webhook URL: `teams-webhook-lab01` in Key Vault, TEAMS_WEBHOOK_LAB01 locally. */
export function teamsWebhookSecret(labId: string): { vault: string; env: string } {
  return { vault: `teams-webhook-${labId.toLowerCase()}`, env: `TEAMS_WEBHOOK_${labId.toUpperCase().replace(/-/g, '_')}` };
}

function outboxEntry(message: OutgoingEmail | OutgoingTeamsPost, channel: 'email' | 'teams', to: string[], body: unknown) {
  return {
    messageId: message.messageId,
    channel,
    kind: message.kind,
    labId: message.labId,
    to,
    subject: message.subject,
    writtenAt: new Date().toISOString(),
    body,
  };
}

/** What a test puts in place of Azure: the service's HTTP client (a stand-in), the identity, the clock. */
export interface ChannelOptions {
  acsCredential?: TokenCredential;
  acsClientOptions?: EmailClientOptions;
  clock?: () => Date;
}

/**
 * The channels as configured: Azure Communication Services when COMMUNICATION_SERVICES_ENDPOINT is
 * set, paced within EMAIL_LIMIT_PER_MINUTE and EMAIL_LIMIT_PER_HOUR, else the local outbox where the
 * local host keeps one (it has no limit); Teams where the lab's webhook secret exists, else the outbox too.
 */
export function configuredChannels(options: ChannelOptions = {}): NotificationChannels {
  const clock = options.clock ?? (() => new Date());
  let emailSender: Promise<EmailSender> | undefined;
  const acs = () => {
    const { COMMUNICATION_SERVICES_ENDPOINT, EMAIL_SENDER_ADDRESS } = settings();
    return COMMUNICATION_SERVICES_ENDPOINT && EMAIL_SENDER_ADDRESS ? { endpoint: COMMUNICATION_SERVICES_ENDPOINT, sender: EMAIL_SENDER_ADDRESS } : undefined;
  };
  return {
    emailAvailable: () => Boolean(acs() ?? localOutboxFolder()),
    teamsAvailable: async (labId) => Boolean((await labSecret(teamsWebhookSecret(labId))) ?? localOutboxFolder()),
    sendEmail: async (email) => {
      const service = acs();
      if (!service) {
        await writeToOutbox(outboxEntry(email, 'email', [email.to.address], { plainText: email.plainText, headers: email.headers }));
        return;
      }
      emailSender ??= acsEmailSender(service.endpoint, service.sender, options.acsCredential, options.acsClientOptions)
        .then((send) => {
          // Limits are the subscription's: every instance of this installation counts against one window.
          const reserve = (now: Date) =>
            reserveSend(service.endpoint, now, { perMinute: settings().EMAIL_LIMIT_PER_MINUTE, perHour: settings().EMAIL_LIMIT_PER_HOUR });
          return pacedEmailSender(send, reserve, clock);
        })
        .catch((error: unknown) => {
          emailSender = undefined;
          throw error;
        });
      await (
        await emailSender
      )(email);
    },
    postToTeams: async (post) => {
      const url = await labSecret(teamsWebhookSecret(post.labId));
      if (url) await postToWebhook(url, post.payload);
      else await writeToOutbox(outboxEntry(post, 'teams', [`${post.labId} Teams channel`], post.payload));
    },
  };
}
