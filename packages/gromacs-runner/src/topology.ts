import { InvalidInputError } from './errors.js';
import { assertFileName } from './inputs.js';

/** The file names a topology pulls in with `#include "..."`, in order. */
export function topologyIncludes(topText: string): string[] {
  const out: string[] = [];
  for (const line of topText.split(/\r?\n/)) {
    const m = /^\s*#\s*include\s+["<]([^">]*)[">]/.exec(line);
    if (m) out.push(m[1] as string);
  }
  return out;
}

/**
 * Refuses a topology (or .itp) that includes files outside its own directory and the force-field
 * library: absolute paths, `..`, or sub-directories other than `<forcefield>.ff/`. Topologies come
 * from the network on miners and validators, and grompp would read whatever they name.
 * @returns the local include names (files expected beside the topology).
 * @throws {InvalidInputError}
 */
export function checkTopologyIncludes(topText: string, field = 'topology'): string[] {
  const local: string[] = [];
  for (const name of topologyIncludes(topText)) {
    const forceFieldFile =
      /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}\.ff\/[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;
    if (forceFieldFile.test(name) && !name.includes('..')) continue;
    if (name.includes('/') || name.includes('\\')) {
      throw new InvalidInputError(
        field,
        `#include "${name}" points outside the work directory and the force-field library`,
        { details: { include: name } },
      );
    }
    local.push(assertFileName(`${field} #include`, name));
  }
  return local;
}

/** The `[ molecules ]` section: molecule names and counts, in order. */
export function parseMolecules(topText: string): { name: string; count: number }[] {
  const out: { name: string; count: number }[] = [];
  let inSection = false;
  for (const raw of topText.split(/\r?\n/)) {
    const line = (raw.split(';', 1)[0] ?? '').trim();
    if (line === '') continue;
    const section = /^\[\s*([A-Za-z_]+)\s*\]$/.exec(line);
    if (section) {
      inSection = section[1] === 'molecules';
      continue;
    }
    if (!inSection || line.startsWith('#')) continue;
    const [name, count] = line.split(/\s+/);
    if (name && count && /^\d+$/.test(count)) out.push({ name, count: Number(count) });
  }
  return out;
}
