// Shared jest settings for the workspace's ESM TypeScript packages.
// Run jest with NODE_OPTIONS="--experimental-vm-modules" (each package's `test` script does).

/** @type {import('jest').Config} */
export const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings as `./x.js` (NodeNext); jest resolves the `.ts` file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true } }],
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  // Integration suites start real services (gmx, redis-server, chopsticks): run files one by one
  // on these 2-core machines so that timings inside a test stay meaningful.
  maxWorkers: 1,
  testTimeout: 60_000,
};
