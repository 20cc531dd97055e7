import { destination, type Logger, pino } from 'pino';

/**
 * The miner's JSON log on stderr (stdout is left to commands such as `status`). Key material is
 * never handed to the logger; the redaction is a second line of defence for fields that would
 * hold it.
 */
export function createLogger(level: string, name = 'fold-miner'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['hotkeyUri', '*.hotkeyUri', 'config.hotkeyUri', 'secret', '*.secret'] },
    },
    destination({ fd: 2, sync: true }),
  );
}
