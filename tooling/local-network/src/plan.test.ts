import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ALICE_ADDRESS,
  MINER_ROLES,
  minerArgs,
  minerCpuPlan,
  minerEnv,
  validatorArgs,
  validatorEnv,
} from './plan.js';

const minerInput = {
  role: MINER_ROLES[0]!,
  axonPort: 40123,
  chainEndpoint: 'ws://127.0.0.1:9944',
  netuid: 2,
  redisUrl: 'redis://127.0.0.1:6379',
  workDir: '/tmp/net/miner-bob',
  cpus: 1,
  firstCore: 0,
  logLevel: 'info',
};

const validatorInput = {
  chainEndpoint: 'ws://127.0.0.1:9944',
  netuid: 2,
  redisUrl: 'redis://127.0.0.1:6379',
  workDir: '/tmp/net/validator',
  pdbDir: '/data/pdb',
  pdbCacheDir: '/cache',
  apiPort: 0,
  openRead: false,
  logLevel: 'info',
};

/** The value after a flag in an argument list. */
function flag(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index < 0 ? undefined : args[index + 1];
}

describe('minerArgs', () => {
  it("serves the axon on chain at the role's loopback address, not 127.0.0.1", () => {
    const args = minerArgs(minerInput);
    expect(args).toContain('--serve-axon');
    expect(flag(args, '--axon-host')).toBe('127.0.0.2');
    expect(flag(args, '--external-ip')).toBe('127.0.0.2');
    expect(flag(args, '--axon-port')).toBe('40123');
  });

  it('admits the validator by name, since a fresh subnet has no validator permits yet', () => {
    expect(flag(minerArgs(minerInput), '--dev-allow')).toBe(ALICE_ADDRESS);
  });

  it('keeps the hotkey off the command line and in the environment', () => {
    const args = minerArgs(minerInput).join(' ');
    expect(args).not.toContain('//Bob');
    expect(minerEnv(MINER_ROLES[0]!)).toEqual({ FOLD_MINER_HOTKEY_URI: '//Bob' });
  });
});

describe('validatorArgs', () => {
  it('takes jobs only from the API and gives each to both miners', () => {
    const args = validatorArgs(validatorInput);
    expect(flag(args, '--queue-size')).toBe('0');
    expect(flag(args, '--miners-per-job')).toBe(String(MINER_ROLES.length));
  });

  it('serves the dashboard and open reads only when asked', () => {
    expect(validatorArgs(validatorInput)).not.toContain('--static-dir');
    expect(validatorArgs(validatorInput)).not.toContain('--api-open-read');
    const args = validatorArgs({ ...validatorInput, staticDir: '/dash', openRead: true });
    expect(flag(args, '--static-dir')).toBe('/dash');
    expect(args).toContain('--api-open-read');
  });

  it('keeps the hotkey and the token off the command line', () => {
    const args = validatorArgs(validatorInput).join(' ');
    expect(args).not.toContain('//Alice');
    expect(validatorEnv('a-token-of-20-chars')).toEqual({
      FOLD_VALIDATOR_HOTKEY_URI: '//Alice',
      FOLD_VALIDATOR_API_TOKENS: 'a-token-of-20-chars',
    });
  });
});

describe('minerCpuPlan', () => {
  it('gives each of two miners one core of a 2-core machine', () => {
    expect(minerCpuPlan(2, 2)).toEqual([
      { cpus: 1, firstCore: 0 },
      { cpus: 1, firstCore: 1 },
    ]);
  });

  it('gives every miner at least one CPU within the machine, disjoint when there are enough', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 8 }),
        (cpuCount, miners) => {
          const plan = minerCpuPlan(cpuCount, miners);
          expect(plan).toHaveLength(miners);
          for (const slot of plan) {
            expect(slot.cpus).toBeGreaterThanOrEqual(1);
            expect(slot.firstCore).toBeGreaterThanOrEqual(0);
            expect(slot.firstCore).toBeLessThan(cpuCount);
          }
          if (cpuCount >= miners) {
            const cores = plan.flatMap((s) =>
              Array.from({ length: s.cpus }, (_, i) => s.firstCore + i),
            );
            expect(new Set(cores).size).toBe(cores.length);
            expect(Math.max(...cores)).toBeLessThan(cpuCount);
          }
        },
      ),
    );
  });

  it('refuses a machine without CPUs', () => {
    expect(() => minerCpuPlan(0, 2)).toThrow(/cpu count/);
  });
});
