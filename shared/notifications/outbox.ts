import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outboxMessageSchema, type OutboxMessage } from '../schemas/notifications.js';

/**
 * Away from Azure, messages are written to a folder instead of being sent (SPEC §11), one file per
 * message named by its deterministic id, so a developer reads what would have gone out and a message
 * sent twice is still one file.
 */
let folder: string | undefined;

export function useLocalOutbox(path: string | undefined): void {
  folder = path;
}

export function localOutboxFolder(): string | undefined {
  return folder;
}

/** A file name from the message id: readable, and unique even where the id's characters are not allowed in names. */
function fileNameOf(messageId: string): string {
  const readable = messageId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
  return `${readable}-${createHash('sha256').update(messageId).digest('hex').slice(0, 10)}.json`;
}

/** Writes the message unless a file of its id is there already: the outbox's own exactly-once. */
export async function writeToOutbox(message: OutboxMessage): Promise<'written' | 'already there'> {
  if (!folder) throw new Error('There is no local outbox');
  await mkdir(folder, { recursive: true });
  try {
    await writeFile(join(folder, fileNameOf(message.messageId)), `${JSON.stringify(message, null, 2)}\n`, { flag: 'wx' });
    return 'written';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'already there';
    throw error;
  }
}

/** The newest messages first. */
export async function readOutbox(limit: number): Promise<OutboxMessage[]> {
  if (!folder) return [];
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const messages: OutboxMessage[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json'))) {
    // A file someone edited or cut short is left out of the list rather than failing it.
    let content: unknown;
    try {
      content = JSON.parse(await readFile(join(folder, name), 'utf8'));
    } catch {
      continue;
    }
    const parsed = outboxMessageSchema.safeParse(content);
    if (parsed.success) messages.push(parsed.data);
  }
  return messages.sort((a, b) => b.writtenAt.localeCompare(a.writtenAt) || a.messageId.localeCompare(b.messageId)).slice(0, limit);
}

/** An unsubscribe link, or any signed token on its own: whoever holds one can change someone's notices. */
const secretPattern = /[^\s<>"']*unsubscribe\?token=[^\s<>"']*|eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const hiddenLink = '[unsubscribe link, shown to Administrators only]';

function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(secretPattern, hiddenLink);
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutSecrets(inner)]));
  return value;
}

/**
 * The outbox as a reader sees it. Administrators see every message as it would have gone out, and
 * where the server keeps them; anyone else who may read it (Global Audit) sees the messages without
 * their unsubscribe links, which work without signing in, and without the server's folder.
 */
export async function outboxView(forAdministrator: boolean, limit = 200): Promise<{ folder: string | null; messages: OutboxMessage[] }> {
  const messages = await readOutbox(limit);
  if (forAdministrator) return { folder: folder ?? null, messages };
  return { folder: null, messages: messages.map((message) => ({ ...message, body: withoutSecrets(message.body) })) };
}
