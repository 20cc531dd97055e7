import { open, stat } from 'node:fs/promises';

/** An error class of a binary format: a message and where in which file it went wrong. */
type FormatErrorClass = new (
  message: string,
  details: { file?: string; offset: number },
) => Error & { readonly details: Readonly<Record<string, unknown>> };

/**
 * Reads a binary GROMACS file whole, refusing it before allocating when it is over `maxBytes`,
 * and parses it; a format error of the parser is thrown again with the file's path.
 * @throws the format's error class for a file over `maxBytes` or malformed content.
 */
export async function parseFormatFile<T>(
  path: string,
  maxBytes: number,
  what: string,
  FormatError: FormatErrorClass,
  parse: (bytes: Uint8Array) => T,
): Promise<T> {
  const size = (await stat(path)).size;
  if (size > maxBytes) {
    throw new FormatError(`${what} is larger than ${maxBytes} bytes`, { file: path, offset: 0 });
  }
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(size);
    const { bytesRead } = await handle.read(bytes, 0, size, 0);
    try {
      return parse(bytes.subarray(0, bytesRead));
    } catch (error) {
      if (error instanceof FormatError) {
        throw new FormatError(`${path}: ${error.message}`, {
          file: path,
          offset: Number(error.details.offset ?? 0),
        });
      }
      throw error;
    }
  } finally {
    await handle.close();
  }
}
