import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { workspaceRoot } from '@fold/devkit';
import { LocalNetworkError } from './errors.js';

/** Where networks keep their directories: `<workspace>/.fold/network/<name>`. */
export function defaultNetworksDir(): string {
  return join(workspaceRoot, '.fold', 'network');
}

/**
 * The content cache of job preparations, kept between runs so that only the first run on a
 * machine pays for preparing a protein: `<workspace>/.fold/cache/preparations`.
 */
export function defaultPreparationCacheDir(): string {
  return join(workspaceRoot, '.fold', 'cache', 'preparations');
}

/** The dashboard's build (`apps/dashboard/dist`) when it has been built, else undefined. */
export function dashboardBuildDir(): string | undefined {
  const dir = join(workspaceRoot, 'apps', 'dashboard', 'dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/**
 * The built CLI of a workspace package (its `bin` entry), resolved from this package's
 * dependencies.
 * @throws {LocalNetworkError} CLI_NOT_BUILT when the script is not there yet
 */
export function builtCli(packageName: '@fold/miner' | '@fold/validator'): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin?: Record<string, string>;
  };
  const bin = Object.values(manifest.bin ?? {})[0];
  if (bin === undefined) {
    throw new LocalNetworkError('CLI_NOT_BUILT', `${packageName} declares no bin`, {
      details: { package: packageName },
    });
  }
  const script = resolve(dirname(manifestPath), bin);
  if (!existsSync(script)) {
    throw new LocalNetworkError(
      'CLI_NOT_BUILT',
      `${script} is missing: build first with \`pnpm --filter @fold/local-network... build\``,
      { details: { package: packageName, file: script } },
    );
  }
  return script;
}
