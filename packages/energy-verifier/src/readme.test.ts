import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { REASON_CODES, REASONS } from './reasons.js';
import { DEFAULT_TOLERANCES } from './tolerances.js';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
  'utf8',
);

describe('the README', () => {
  it('lists every reason code with its check', () => {
    for (const code of REASON_CODES) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      expect(row).toBeDefined();
      expect(row).toContain(`\`${REASONS[code].check}\``);
    }
  });

  it('names every tolerance', () => {
    for (const name of Object.keys(DEFAULT_TOLERANCES)) {
      expect(readme).toContain(`\`${name}\``);
    }
  });
});
