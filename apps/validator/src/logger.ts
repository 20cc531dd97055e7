import { destination, type Logger, pino } from 'pino';

/**
 * The validator's JSON log on stderr (stdout is left to commands such as `status`), one event
 * per line with an `event` field (`job.active`, `claim.queued`, `verdict.recorded`,
 * `weights.set`, ...). Key material and API tokens are never handed to the logger; the
 * redaction is a second line of defence for fields that would hold them.
 */
export function createLogger(level: string, name = 'fold-validator'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'hotkeyUri',
          '*.hotkeyUri',
          'apiTokens',
          '*.apiTokens',
          'authorization',
          '*.authorization',
        ],
      },
    },
    destination({ fd: 2, sync: true }),
  );
}
