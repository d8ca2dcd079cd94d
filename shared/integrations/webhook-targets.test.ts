import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signatureOf } from './webhook-deliveries.js';
import { checkWebhookTarget, refusalOf, WebhookTargetRefused } from './webhook-targets.js';

const azure = { allowLoopback: false };
const developer = { allowLoopback: true };
const resolvingTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

describe('where a webhook may be sent', () => {
  it.each([
    ['10.1.2.3', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.0.1', 'a private address'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['0.0.0.0', 'this network'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00:ec2::254', 'unique local'],
    ['fc00::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'IPv4 address written as IPv6'],
    ['::ffff:8.8.8.8', 'IPv4 address written as IPv6'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['ff02::1', 'multicast'],
  ])('refuses %s (%s) in Azure', (address, why) => {
    expect(refusalOf(address, false)).toContain(why);
  });

  it.each(['20.50.2.1', '203.0.113.10', '2603:1030:20c:3::3f0', '8.8.8.8'])('allows the public address %s', (address) => {
    expect(refusalOf(address, false)).toBeNull();
  });

  it('allows loopback only by the local setting, and nothing else private with it', () => {
    expect(refusalOf('127.0.0.1', true)).toBeNull();
    expect(refusalOf('::1', true)).toBeNull();
    expect(refusalOf('10.0.0.1', true)).toContain('private');
    expect(refusalOf('169.254.169.254', true)).toContain('link-local');
  });

  it('URS-100 refuses every address of 10/8, 127/8, 169.254/16 and fc00::/7, whatever its last bytes', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(byte, byte, byte, (b, c, d) => {
        expect(refusalOf(`10.${b}.${c}.${d}`, true)).not.toBeNull();
        expect(refusalOf(`127.${b}.${c}.${d}`, false)).not.toBeNull();
        expect(refusalOf(`169.254.${c}.${d}`, true)).not.toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0xfc00, max: 0xfdff }), fc.integer({ min: 0, max: 0xffff }), (first, last) => {
        expect(refusalOf(`${first.toString(16)}::${last.toString(16)}`, true)).not.toBeNull();
      }),
    );
  });

  it('URS-100 refuses a name that resolves to a private address, even when another of its addresses is public', async () => {
    await expect(checkWebhookTarget('https://lims.example.com/hook', { ...azure, resolve: resolvingTo('20.50.2.1', '10.0.0.7') })).rejects.toThrow(
      'lims.example.com resolves to 10.0.0.7 is a private address',
    );
    await expect(checkWebhookTarget('https://metadata.example.com/', { ...azure, resolve: resolvingTo('169.254.169.254') })).rejects.toThrow('link-local');
    await expect(checkWebhookTarget('https://six.example.com/', { ...azure, resolve: resolvingTo('fe80::1') })).rejects.toThrow('link-local');
    await expect(checkWebhookTarget('https://nowhere.example.com/', { ...azure, resolve: resolvingTo() })).rejects.toThrow('does not resolve');
  });

  it('answers the checked addresses of a public name, for the connection to use', async () => {
    const target = await checkWebhookTarget('https://lims.example.com:8443/hook', { ...azure, resolve: resolvingTo('20.50.2.1', '2603:1030::1') });
    expect(target.addresses).toEqual(['20.50.2.1', '2603:1030::1']);
    expect(target.url.port).toBe('8443');
  });

  it('refuses IP literals inside the network, http in Azure, and user names in the address', async () => {
    await expect(checkWebhookTarget('https://[::1]/hook', azure)).rejects.toThrow('loopback');
    await expect(checkWebhookTarget('https://127.0.0.1/hook', azure)).rejects.toThrow('loopback');
    await expect(checkWebhookTarget('https://[fd12::1]/hook', developer)).rejects.toThrow('unique local');
    await expect(checkWebhookTarget('http://20.50.2.1/hook', azure)).rejects.toThrow('must start with https://');
    await expect(checkWebhookTarget('http://20.50.2.1/hook', developer)).rejects.toThrow('must start with https://');
    await expect(checkWebhookTarget('ftp://20.50.2.1/hook', azure)).rejects.toThrow('must start with https://');
    await expect(checkWebhookTarget('https://user:secret@20.50.2.1/hook', azure)).rejects.toBeInstanceOf(WebhookTargetRefused);
    await expect(checkWebhookTarget('http://127.0.0.1:4410/hook', developer)).resolves.toMatchObject({ addresses: ['127.0.0.1'] });
  });
});

describe('the signature of a delivery', () => {
  it('URS-101 is the one the Standard Webhooks reference implementation verifies, for any body', () => {
    const secret = `whsec_${Buffer.from('a secret of twenty-four!').toString('base64')}`;
    const receiver = new Webhook(secret);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 2 ** 31 }), (text, sequence) => {
        const body = JSON.stringify({ type: 'machine.quarantined', data: { text, sequence } });
        const timestamp = Math.floor(Date.now() / 1000);
        const headers = {
          'webhook-id': `msg_${sequence}`,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureOf(secret, `msg_${sequence}`, timestamp, body),
        };
        expect(receiver.verify(body, headers)).toEqual(JSON.parse(body));
        expect(() => receiver.verify(`${body} `, headers)).toThrow();
      }),
    );
  });
});
