#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AppendFsync,
  RedisServerError,
  redisDaemonStatus,
  redisDaemonUrl,
  startRedisDaemon,
  stopRedisDaemon,
} from '../redis-server.js';

const HELP = `Usage: fold-redis <start|stop|status> [options]

Runs the project's redis-server on 127.0.0.1 with its data (append-only file, log, pid file)
in a project-owned directory.

Commands:
  start    start a detached server (does nothing when one already runs for the data dir)
  stop     shut the server down cleanly (SIGTERM: the append-only file is flushed) and wait
  status   print whether it runs and answers PING; exit code 0 when it does, 3 when not

Options:
  --data-dir <dir>       data directory (default: .fold/redis under the current directory)
  --port <n>             loopback port for start; 0 picks a free one (default: 6379)
  --appendfsync <mode>   always | everysec (default: always)
  --timeout-ms <n>       how long start waits for PING and stop waits for exit (default: 15000)
  --json                 print the server's state as JSON
  -h, --help             show this help

Environment:
  FOLD_REDIS_PASSWORD    password to require (start) and to probe with (status)
  FOLD_REDIS_SERVER      redis-server binary (default: redis-server on the PATH)

Example:
  fold-redis start --port 0 && fold-redis status --json && fold-redis stop
`;

function fail(message: string, exitCode = 2): never {
  process.stderr.write(`fold-redis: ${message}\n`);
  process.exit(exitCode);
}

function parseInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) fail(`${name} must be a non-negative integer, not "${value}"`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        appendfsync: { type: 'string' },
        'timeout-ms': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (positionals.length > 1) fail(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const dataDir = resolve(String(values['data-dir'] ?? '.fold/redis'));
  const timeoutMs = parseInteger(
    values['timeout-ms'] as string | undefined,
    '--timeout-ms',
    15_000,
  );
  const password = process.env.FOLD_REDIS_PASSWORD || undefined;
  const json = values.json === true;

  switch (command) {
    case 'start': {
      const fsync = values.appendfsync as string | undefined;
      if (fsync !== undefined && fsync !== 'always' && fsync !== 'everysec') {
        fail(`--appendfsync must be always or everysec, not "${fsync}"`);
      }
      const { state, alreadyRunning } = await startRedisDaemon({
        dataDir,
        port: parseInteger(values.port as string | undefined, '--port', 6379),
        password,
        appendFsync: fsync as AppendFsync | undefined,
        startTimeoutMs: timeoutMs,
      });
      if (json) process.stdout.write(`${JSON.stringify({ ...state, alreadyRunning })}\n`);
      else {
        process.stdout.write(
          `${alreadyRunning ? 'already running' : 'started'}: pid ${state.pid}, ` +
            `${redisDaemonUrl(state)} (data in ${state.dataDir})\n`,
        );
      }
      return 0;
    }
    case 'stop': {
      const { wasRunning, pid } = await stopRedisDaemon(dataDir, { timeoutMs });
      if (json) process.stdout.write(`${JSON.stringify({ wasRunning, pid: pid ?? null })}\n`);
      else process.stdout.write(wasRunning ? `stopped pid ${pid}\n` : 'not running\n');
      return 0;
    }
    case 'status': {
      const status = await redisDaemonStatus(dataDir, { password });
      if (json) process.stdout.write(`${JSON.stringify(status)}\n`);
      else if (status.running && status.state !== undefined) {
        process.stdout.write(
          `running: pid ${status.state.pid}, ${redisDaemonUrl(status.state)}, ` +
            (status.responding ? 'answers PING\n' : `does not answer PING (${status.reply})\n`),
        );
      } else process.stdout.write('not running\n');
      return status.running && status.responding ? 0 : 3;
    }
    default:
      fail(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RedisServerError) fail(`${error.message} [${error.code}]`, 1);
    throw error;
  },
);
