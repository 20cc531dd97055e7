import { describe, expect, it } from '@jest/globals';
import {
  formatBytes,
  formatDuration,
  formatEnergy,
  formatInteger,
  formatNm,
  formatShare,
  shortHotkey,
} from './format.js';

describe('format', () => {
  it('writes energies with one decimal, thousands separators and the unit', () => {
    expect(formatEnergy(-118838.0546875)).toBe('-118,838.1 kJ/mol');
    expect(formatEnergy(null)).toBe('—');
  });

  it('writes integers, shares and lengths', () => {
    expect(formatInteger(1234567)).toBe('1,234,567');
    expect(formatShare(0.125)).toBe('12.5%');
    expect(formatNm(0.12345)).toBe('0.123 nm');
    expect(formatNm(undefined)).toBe('—');
  });

  it('picks a duration unit by size', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(3.5 * 3_600_000)).toBe('3.5 h');
    expect(formatDuration(50 * 3_600_000)).toBe('2.1 d');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('shortens hotkeys to their ends', () => {
    expect(shortHotkey('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY')).toBe('5Grwva…GKutQY');
    expect(shortHotkey(null)).toBe('—');
  });

  it('writes sizes in B, KiB and MiB', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12_595)).toBe('12.3 KiB');
    expect(formatBytes(64 * 1024 * 1024)).toBe('64.0 MiB');
  });
});
