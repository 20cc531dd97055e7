import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidArgumentError } from './errors.js';
import { decodeIp, encodeIp } from './ip.js';

describe('encodeIp', () => {
  it('encodes a dotted quad as a big-endian u32 with IP version 4', () => {
    expect(encodeIp('127.0.0.2')).toEqual({ ip: 0x7f000002n, ipType: 4 });
    expect(encodeIp('255.255.255.255')).toEqual({ ip: 0xffffffffn, ipType: 4 });
  });

  it('encodes compressed and IPv4-tailed IPv6 as a u128 with IP version 6', () => {
    expect(encodeIp('::1')).toEqual({ ip: 1n, ipType: 6 });
    expect(encodeIp('2001:db8::8a2e:370:7334')).toEqual({
      ip: 0x20010db8000000000000_8a2e03707334n,
      ipType: 6,
    });
    expect(encodeIp('::ffff:1.2.3.4')).toEqual({ ip: 0xffff01020304n, ipType: 6 });
  });

  it('refuses text that is not an IP address, including IPv6 zone ids', () => {
    for (const text of ['localhost', '1.2.3', '256.1.1.1', '01.2.3.4', 'fe80::1%eth0', '']) {
      expect(() => encodeIp(text)).toThrow(InvalidArgumentError);
    }
  });

  it('round-trips every IPv4 address through decodeIp', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const { ip, ipType } = encodeIp(address);
        expect(decodeIp(ip, ipType)).toBe(address);
      }),
    );
  });

  it('round-trips every IPv6 value through decodeIp and encodeIp', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        expect(encodeIp(decodeIp(value, 6))).toEqual({ ip: value, ipType: 6 });
      }),
    );
  });
});

describe('decodeIp', () => {
  it('refuses an unknown IP version and a value too wide for IPv4', () => {
    expect(() => decodeIp(1n, 5)).toThrow(/IP version 5/);
    expect(() => decodeIp(1n << 32n, 4)).toThrow(InvalidArgumentError);
  });
});
