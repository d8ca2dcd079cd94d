/** One e-mail to one person: a digest or a notice. */
export interface OutgoingEmail {
  messageId: string;
  kind: 'digest' | 'notice';
  labId: string;
  to: { address: string; displayName: string };
  subject: string;
  plainText: string;
  html: string;
  headers: Record<string, string>;
}

/** Sends one e-mail: Azure Communication Services, the local outbox, or a paced wrapper around either. */
export type EmailSender = (email: OutgoingEmail) => Promise<void>;
