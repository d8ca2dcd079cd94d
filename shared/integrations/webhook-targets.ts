import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where the product may send a webhook (SPEC §14). A subscription's address is checked when it is
 * made and again at every delivery, against the addresses its name resolves to then: a receiver's
 * name that later points inside the network (DNS rebinding) is refused too. The delivery connects to
 * the very addresses checked (`pinnedLookup`), so nothing can change between the check and the call.
 */

/** Ranges a webhook never reaches: they lead into the Function App's own network or the platform (OWASP SSRF prevention). */
const ranges: [address: string, prefix: number, family: 'ipv4' | 'ipv6', what: string][] = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address, where the cloud metadata service answers'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::ffff:0:0', 96, 'ipv6', 'an IPv4 address written as IPv6 (give the IPv4 address itself)'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address, which can lead to any IPv4 address'],
  ['100::', 64, 'ipv6', 'a discard address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const refusedRanges = ranges.map(([address, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { list, family, what };
});

/** Why the address is refused, or null when a webhook may go there. Loopback only when `allowLoopback` (a developer's machine). */
export function refusalOf(address: string, allowLoopback: boolean): string | null {
  const family = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : null;
  if (!family) return `${address} is not an IP address`;
  if (loopback.check(address, family)) return allowLoopback ? null : `${address} is a loopback address`;
  const range = refusedRanges.find((candidate) => candidate.family === family && candidate.list.check(address, family));
  return range ? `${address} is ${range.what}` : null;
}

export class WebhookTargetRefused extends Error {}

export type Resolve = (hostname: string) => Promise<string[]>;

const resolveWithDns: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((found) => found.address);

export interface TargetRules {
  /** Set on a developer's machine only (WEBHOOKS_ALLOW_LOOPBACK): loopback receivers, over http or https. */
  allowLoopback: boolean;
  resolve?: Resolve;
}

/**
 * Checks the address a webhook goes to and answers the IP addresses it may connect to; refused with a
 * sentence when it is not https (http only to loopback where allowed), carries a user name or
 * password, does not resolve, or resolves to any address in a refused range.
 */
export async function checkWebhookTarget(url: string, rules: TargetRules): Promise<{ url: URL; addresses: string[] }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new WebhookTargetRefused(`${url} is not an address.`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    throw new WebhookTargetRefused(`The address must start with https://, not ${target.protocol}//.`);
  if (target.username || target.password) throw new WebhookTargetRefused('The address must not hold a user name or password; the signature proves the sender.');
  const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(hostname)) addresses = [hostname];
  else {
    addresses = await (rules.resolve ?? resolveWithDns)(hostname).catch(() => []);
    if (addresses.length === 0) throw new WebhookTargetRefused(`${hostname} does not resolve to any address.`);
  }
  for (const address of addresses) {
    const refusal = refusalOf(address, rules.allowLoopback);
    if (refusal)
      throw new WebhookTargetRefused(`Webhooks are not sent inside the network: ${hostname === address ? '' : `${hostname} resolves to `}${refusal}.`);
  }
  const allLoopback = addresses.every((address) => refusalOf(address, false) !== null);
  if (target.protocol === 'http:' && !(rules.allowLoopback && allLoopback)) throw new WebhookTargetRefused('The address must start with https://.');
  return { url: target, addresses };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/** A `lookup` for http(s).request that answers only the addresses already checked, so the connection goes where the check looked. */
export function pinnedLookup(addresses: readonly string[]) {
  return (_hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    const found = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) callback(null, found);
    else callback(null, found[0]!.address, found[0]!.family);
  };
}
