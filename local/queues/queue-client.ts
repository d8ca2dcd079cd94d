import { createHmac } from 'node:crypto';
import type { LocalQueueService } from '../azurite.js';

/**
 * The few Azure Queue storage REST operations the local host needs, signed with Shared Key, spoken to
 * Azurite. Message texts are base64, as the Functions host writes and reads them.
 */
const apiVersion = '2021-12-02';

export interface QueueMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  text: string;
}

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export class LocalQueueClient {
  constructor(private readonly service: Pick<LocalQueueService, 'accountUrl' | 'accountName' | 'accountKey'>) {}

  private async send(
    method: string,
    path: string,
    query: Record<string, string> = {},
    body?: string,
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const url = new URL(`${this.service.accountUrl}/${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': apiVersion };
    const length = body === undefined ? '' : String(Buffer.byteLength(body));
    if (body !== undefined) headers['content-type'] = 'application/xml';
    const canonicalHeaders = Object.keys(headers)
      .filter((name) => name.startsWith('x-ms-'))
      .sort()
      .map((name) => `${name}:${headers[name]}\n`)
      .join('');
    const canonicalQuery = Object.keys(query)
      .map((name) => name.toLowerCase())
      .sort()
      .map((name) => `\n${name}:${query[name]}`)
      .join('');
    const resource = `/${this.service.accountName}${url.pathname}${canonicalQuery}`;
    const stringToSign =
      [method, '', '', length === '0' ? '' : length, '', headers['content-type'] ?? '', '', '', '', '', '', ''].join('\n') + '\n' + canonicalHeaders + resource;
    const signature = createHmac('sha256', this.service.accountKey).update(stringToSign, 'utf8').digest('base64');
    const response = await fetch(url, {
      method,
      headers: { ...headers, authorization: `SharedKey ${this.service.accountName}:${signature}` },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    if (response.status >= 400) throw new Error(`Queue ${method} ${url.pathname} answered ${response.status}: ${tag(text, 'Message') ?? text.slice(0, 200)}`);
    return { status: response.status, text, headers: response.headers };
  }

  async createQueue(queueName: string): Promise<void> {
    await this.send('PUT', queueName);
  }

  async sendMessage(queueName: string, message: unknown): Promise<void> {
    const text = Buffer.from(JSON.stringify(message)).toString('base64');
    await this.send('POST', `${queueName}/messages`, {}, `<QueueMessage><MessageText>${xmlEscape(text)}</MessageText></QueueMessage>`);
  }

  /** Takes up to `count` messages out of sight for `visibilitySeconds`. */
  async receiveMessages(queueName: string, count: number, visibilitySeconds: number): Promise<QueueMessage[]> {
    const { text } = await this.send('GET', `${queueName}/messages`, { numofmessages: String(count), visibilitytimeout: String(visibilitySeconds) });
    return [...text.matchAll(/<QueueMessage>([\s\S]*?)<\/QueueMessage>/g)].map(([, xml]) => ({
      messageId: tag(xml!, 'MessageId')!,
      popReceipt: tag(xml!, 'PopReceipt')!,
      dequeueCount: Number(tag(xml!, 'DequeueCount')),
      text: Buffer.from(tag(xml!, 'MessageText') ?? '', 'base64').toString('utf8'),
    }));
  }

  async deleteMessage(queueName: string, message: Pick<QueueMessage, 'messageId' | 'popReceipt'>): Promise<void> {
    await this.send('DELETE', `${queueName}/messages/${message.messageId}`, { popreceipt: message.popReceipt });
  }

  /** Makes a message visible again after `visibilitySeconds` (0: at once), for another delivery. */
  async releaseMessage(queueName: string, message: QueueMessage, visibilitySeconds: number): Promise<void> {
    const text = Buffer.from(message.text).toString('base64');
    await this.send(
      'PUT',
      `${queueName}/messages/${message.messageId}`,
      { popreceipt: message.popReceipt, visibilitytimeout: String(visibilitySeconds) },
      `<QueueMessage><MessageText>${text}</MessageText></QueueMessage>`,
    );
  }

  async approximateCount(queueName: string): Promise<number> {
    const { headers } = await this.send('GET', queueName, { comp: 'metadata' });
    return Number(headers.get('x-ms-approximate-messages-count') ?? 0);
  }
}
