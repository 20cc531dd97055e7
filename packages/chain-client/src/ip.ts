import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from './errors.js';

/** An axon address as the chain stores it: a u128 and the IP version. */
export interface EncodedIp {
  readonly ip: bigint;
  readonly ipType: 4 | 6;
}

/**
 * Encodes an IPv4 (dotted quad) or IPv6 address as the u128 the chain stores.
 * Policy (the runtime refuses 127.0.0.1, 0.0.0.0, ::1) is left to the runtime.
 * @throws {InvalidArgumentError} when the text is not an IP address
 */
export function encodeIp(address: string): EncodedIp {
  if (isIPv4(address)) {
    const value = address
      .split('.')
      .reduce((sum, octet) => (sum << 8n) | BigInt(Number(octet)), 0n);
    return { ip: value, ipType: 4 };
  }
  // Zone ids (fe80::1%eth0) name a local interface and have no place on chain.
  if (isIPv6(address) && !address.includes('%')) {
    return { ip: ipv6ToBigInt(address), ipType: 6 };
  }
  throw new InvalidArgumentError(
    'INVALID_ARGUMENT',
    `${JSON.stringify(address)} is not an IP address`,
    {
      details: { field: 'ip' },
    },
  );
}

/**
 * Decodes the chain's u128 and IP version back to text (IPv6 in its full, uncompressed form).
 * @throws {InvalidArgumentError} on an unknown IP version or a value too wide for it
 */
export function decodeIp(ip: bigint, ipType: number): string {
  if (ipType === 4) {
    if (ip < 0n || ip > 0xffff_ffffn) throw outOfRange(ip, ipType);
    return [24n, 16n, 8n, 0n].map((shift) => String((ip >> shift) & 0xffn)).join('.');
  }
  if (ipType === 6) {
    if (ip < 0n || ip >= 1n << 128n) throw outOfRange(ip, ipType);
    const groups: string[] = [];
    for (let shift = 112n; shift >= 0n; shift -= 16n) {
      groups.push(((ip >> shift) & 0xffffn).toString(16));
    }
    return groups.join(':');
  }
  throw new InvalidArgumentError('INVALID_ARGUMENT', `unknown IP version ${ipType}`, {
    details: { field: 'ipType' },
  });
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const value = encodeIp(v4[1]).ip;
    text = `${text.slice(0, -v4[1].length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [
    ...headGroups,
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...tailGroups,
  ];
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(`0x${group}`), 0n);
}

function outOfRange(ip: bigint, ipType: number): InvalidArgumentError {
  return new InvalidArgumentError(
    'INVALID_ARGUMENT',
    `${ip} does not fit an IPv${ipType} address`,
    {
      details: { field: 'ip' },
    },
  );
}
