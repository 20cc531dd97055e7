import { PdbParseError } from './errors.js';
import type {
  MissingAtoms,
  MissingResidue,
  ModifiedResidue,
  PdbAtom,
  PdbChain,
  PdbModel,
  PdbResidue,
  PdbStructure,
  SsBond,
} from './structure.js';

/** Options of {@link parsePdb}. */
export interface ParsePdbOptions {
  /** Name of the input in error messages (`pdb1ubq.ent.gz`). */
  readonly label?: string;
  /**
   * Require the file to end with an END record, as every wwPDB file does; a missing END is how a
   * truncated download shows. Default true; set false for hand-made files.
   */
  readonly requireEnd?: boolean;
  /** Largest number of ATOM/HETATM records accepted. Default 1,000,000. */
  readonly maxAtoms?: number;
}

/** Record names of the PDB format (version 3.3) plus a few legacy ones found in old entries. */
const RECORD_NAMES = new Set([
  'HEADER',
  'OBSLTE',
  'TITLE',
  'SPLIT',
  'CAVEAT',
  'COMPND',
  'SOURCE',
  'KEYWDS',
  'EXPDTA',
  'NUMMDL',
  'MDLTYP',
  'AUTHOR',
  'REVDAT',
  'SPRSDE',
  'JRNL',
  'REMARK',
  'DBREF',
  'DBREF1',
  'DBREF2',
  'SEQADV',
  'SEQRES',
  'MODRES',
  'HET',
  'HETNAM',
  'HETSYN',
  'FORMUL',
  'HELIX',
  'SHEET',
  'SSBOND',
  'LINK',
  'LINKR',
  'CISPEP',
  'SITE',
  'CRYST1',
  'ORIGX1',
  'ORIGX2',
  'ORIGX3',
  'SCALE1',
  'SCALE2',
  'SCALE3',
  'MTRIX1',
  'MTRIX2',
  'MTRIX3',
  'MODEL',
  'ATOM',
  'ANISOU',
  'TER',
  'HETATM',
  'ENDMDL',
  'CONECT',
  'MASTER',
  'END',
  'FTNOTE',
  'TURN',
  'HYDBND',
  'SLTBRG',
  'SIGATM',
  'SIGUIJ',
  'TVECT',
  'USER',
]);

/** Columns of a PDB line are 1-based and inclusive in the format's documentation. */
function col(line: string, from: number, to: number): string {
  return line.slice(from - 1, to);
}

function inferElement(rawName: string, hetero: boolean): string {
  const first = rawName[0] ?? ' ';
  if (first === ' ' || (first >= '0' && first <= '9')) return (rawName[1] ?? '').toUpperCase();
  if (!hetero && (first === 'H' || first === 'D')) return first;
  return rawName.slice(0, 2).trim().toUpperCase();
}

interface LineContext {
  readonly label: string;
  readonly lineNo: number;
  readonly line: string;
}

function badRecord(ctx: LineContext, what: string): PdbParseError {
  return new PdbParseError(
    'BAD_RECORD',
    `${ctx.label} line ${ctx.lineNo}: ${what}: ${JSON.stringify(ctx.line.slice(0, 80))}`,
    { details: { label: ctx.label, line: ctx.lineNo } },
  );
}

function number(ctx: LineContext, from: number, to: number, field: string, blank?: number): number {
  const text = col(ctx.line, from, to).trim();
  if (text === '' && blank !== undefined) return blank;
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    throw badRecord(
      ctx,
      `${field} (columns ${from}-${to}) is ${JSON.stringify(text)}, not a number`,
    );
  }
  return value;
}

function integer(ctx: LineContext, from: number, to: number, field: string): number {
  const text = col(ctx.line, from, to).trim();
  if (!/^-?\d+$/.test(text)) {
    throw badRecord(
      ctx,
      `${field} (columns ${from}-${to}) is ${JSON.stringify(text)}, not an integer`,
    );
  }
  return Number(text);
}

function parseAtom(ctx: LineContext, hetero: boolean): PdbAtom {
  if (ctx.line.length < 54) throw badRecord(ctx, 'coordinate record ends before column 54');
  const rawName = col(ctx.line, 13, 16).padEnd(4);
  const name = rawName.trim();
  if (name === '') throw badRecord(ctx, 'atom name is blank');
  const serialText = col(ctx.line, 7, 11).trim();
  const serial = /^\d+$/.test(serialText) ? Number(serialText) : null;
  const elementText = col(ctx.line, 77, 78).trim().toUpperCase();
  return {
    serial,
    name,
    altLoc: col(ctx.line, 17, 17).trim(),
    resName: col(ctx.line, 18, 20).trim(),
    chainId: col(ctx.line, 22, 22).trim(),
    resSeq: integer(ctx, 23, 26, 'residue sequence number'),
    iCode: col(ctx.line, 27, 27).trim(),
    x: number(ctx, 31, 38, 'x'),
    y: number(ctx, 39, 46, 'y'),
    z: number(ctx, 47, 54, 'z'),
    occupancy: number(ctx, 55, 60, 'occupancy', 1),
    tempFactor: number(ctx, 61, 66, 'temperature factor', 0),
    element: /^[A-Z]{1,2}$/.test(elementText) ? elementText : inferElement(rawName, hetero),
    hetero,
    line: ctx.lineNo,
  };
}

class ModelBuilder {
  private readonly chains = new Map<string, PdbResidue[]>();
  private current: { key: string; atoms: PdbAtom[] } | null = null;

  constructor(readonly serial: number) {}

  add(atom: PdbAtom): void {
    const key = `${atom.chainId}\u0000${atom.resSeq}\u0000${atom.iCode}`;
    if (this.current === null || this.current.key !== key) {
      this.flush();
      this.current = { key, atoms: [] };
    }
    this.current.atoms.push(atom);
  }

  /** A TER record ends the residue even if the next record repeats its numbering. */
  terminate(): void {
    this.flush();
  }

  private flush(): void {
    if (this.current === null) return;
    const atoms = this.current.atoms;
    const first = atoms[0]!;
    const residue: PdbResidue = {
      chainId: first.chainId,
      resSeq: first.resSeq,
      iCode: first.iCode,
      resName: first.resName,
      hetero: atoms.every((a) => a.hetero),
      atoms,
    };
    const list = this.chains.get(first.chainId);
    if (list === undefined) this.chains.set(first.chainId, [residue]);
    else list.push(residue);
    this.current = null;
  }

  build(): PdbModel {
    this.flush();
    const chains: PdbChain[] = [...this.chains].map(([id, residues]) => ({ id, residues }));
    return { serial: this.serial, chains };
  }

  get empty(): boolean {
    return this.chains.size === 0 && this.current === null;
  }
}

function parseModres(ctx: LineContext): ModifiedResidue {
  return {
    resName: col(ctx.line, 13, 15).trim(),
    chainId: col(ctx.line, 17, 17).trim(),
    resSeq: integer(ctx, 19, 22, 'MODRES sequence number'),
    iCode: col(ctx.line, 23, 23).trim(),
    standardResName: col(ctx.line, 25, 27).trim(),
    comment: col(ctx.line, 30, 70).trim(),
  };
}

function parseSsbond(ctx: LineContext): SsBond {
  const lengthText = col(ctx.line, 74, 78).trim();
  const length = Number(lengthText);
  return {
    first: {
      resName: col(ctx.line, 12, 14).trim(),
      chainId: col(ctx.line, 16, 16).trim(),
      resSeq: integer(ctx, 18, 21, 'SSBOND first sequence number'),
      iCode: col(ctx.line, 22, 22).trim(),
    },
    second: {
      resName: col(ctx.line, 26, 28).trim(),
      chainId: col(ctx.line, 30, 30).trim(),
      resSeq: integer(ctx, 32, 35, 'SSBOND second sequence number'),
      iCode: col(ctx.line, 36, 36).trim(),
    },
    lengthA: lengthText !== '' && Number.isFinite(length) ? length : null,
  };
}

/** REMARK 465/470 rows: `M RES C SSSEQI` with the model in columns 14-15. */
const REMARK_465_ROW =
  /^REMARK 465 {1,3}(\d*) +([A-Z0-9]{1,3}) ([A-Za-z0-9 ]) *(-?\d+)([A-Za-z]?) *$/;
const REMARK_470_ROW =
  /^REMARK 470 {1,3}(\d*) +([A-Z0-9]{1,3}) ([A-Za-z0-9 ]) *(-?\d+)([A-Za-z]?) +((?:[A-Z0-9'"*]+ *)+)$/;

/**
 * Parses PDB-format text into models, chains, residues and atoms (every altLoc kept), with the
 * header records this package uses: HEADER, TITLE, EXPDTA, SEQRES, MODRES, SSBOND and the
 * REMARK 465/470 lists. Pure: no I/O.
 * @throws {PdbParseError} `NOT_PDB` for a line that is not a PDB record, `BAD_RECORD` for a
 *   malformed field (with its line number), `TRUNCATED_ENTRY` when END is missing or a model is
 *   not closed, `NO_COORDINATES` without ATOM/HETATM records, `ENTRY_TOO_LARGE` over `maxAtoms`.
 */
export function parsePdb(text: string, options: ParsePdbOptions = {}): PdbStructure {
  const label = options.label ?? 'entry';
  const requireEnd = options.requireEnd ?? true;
  const maxAtoms = options.maxAtoms ?? 1_000_000;
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  let idCode: string | null = null;
  let classification = '';
  const titleParts: string[] = [];
  const expdtaParts: string[] = [];
  const seqres: Record<string, string[]> = {};
  const modifiedResidues: ModifiedResidue[] = [];
  const missingResidues: MissingResidue[] = [];
  const missingAtoms: MissingAtoms[] = [];
  const ssbonds: SsBond[] = [];
  const models: PdbModel[] = [];
  let model: ModelBuilder | null = null;
  let inModelRecord = false;
  let atomCount = 0;
  let sawEnd = false;
  let remark465Table = false;
  let remark470Table = false;

  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/[\r\s]+$/, '');
    const ctx: LineContext = { label, lineNo: i + 1, line };
    if (line === '') continue;
    if (sawEnd) throw badRecord(ctx, 'record after END');
    if (line.length > 80) {
      throw new PdbParseError(
        'NOT_PDB',
        `${label} line ${i + 1} is ${line.length} columns long; PDB records have at most 80`,
        { details: { label, line: i + 1 } },
      );
    }
    const record = col(line, 1, 6).trim();
    if (!RECORD_NAMES.has(record)) {
      throw new PdbParseError(
        'NOT_PDB',
        `${label} line ${i + 1} starts with ${JSON.stringify(col(line, 1, 6))}, which is not a PDB record name`,
        { details: { label, line: i + 1 } },
      );
    }
    switch (record) {
      case 'HEADER': {
        classification = col(line, 11, 50).trim();
        const id = col(line, 63, 66).trim().toLowerCase();
        idCode = id === '' ? null : id;
        break;
      }
      case 'TITLE':
        titleParts.push(col(line, 11, 80).trim());
        break;
      case 'EXPDTA':
        expdtaParts.push(col(line, 11, 79).trim());
        break;
      case 'SEQRES': {
        const chainId = col(line, 12, 12).trim();
        const names = col(line, 20, 80)
          .trim()
          .split(/\s+/)
          .filter((n) => n !== '');
        const list = seqres[chainId] ?? [];
        list.push(...names);
        seqres[chainId] = list;
        break;
      }
      case 'MODRES':
        modifiedResidues.push(parseModres(ctx));
        break;
      case 'SSBOND':
        ssbonds.push(parseSsbond(ctx));
        break;
      case 'REMARK': {
        const remark = col(line, 8, 10).trim();
        if (remark === '465') {
          if (/^REMARK 465 +M RES C SSSEQI/.test(line)) remark465Table = true;
          else if (remark465Table) {
            const m = REMARK_465_ROW.exec(line);
            if (m !== null) {
              missingResidues.push({
                model: m[1] === '' ? null : Number(m[1]),
                resName: m[2]!,
                chainId: m[3]!.trim(),
                resSeq: Number(m[4]),
                iCode: m[5]!,
              });
            }
          }
        } else if (remark === '470') {
          if (/^REMARK 470 +M RES C ?SSEQI/.test(line)) remark470Table = true;
          else if (remark470Table) {
            const m = REMARK_470_ROW.exec(line);
            if (m !== null) {
              missingAtoms.push({
                model: m[1] === '' ? null : Number(m[1]),
                resName: m[2]!,
                chainId: m[3]!.trim(),
                resSeq: Number(m[4]),
                iCode: m[5]!,
                atoms: m[6]!.trim().split(/\s+/),
              });
            }
          }
        }
        break;
      }
      case 'MODEL': {
        if (inModelRecord) throw badRecord(ctx, 'MODEL inside a MODEL without ENDMDL');
        const serialText = col(line, 11, 14).trim();
        const serial = /^\d+$/.test(serialText) ? Number(serialText) : models.length + 1;
        if (model !== null && !model.empty) models.push(model.build());
        model = new ModelBuilder(serial);
        inModelRecord = true;
        break;
      }
      case 'ENDMDL':
        if (!inModelRecord || model === null) throw badRecord(ctx, 'ENDMDL without MODEL');
        models.push(model.build());
        model = null;
        inModelRecord = false;
        break;
      case 'ATOM':
      case 'HETATM': {
        atomCount++;
        if (atomCount > maxAtoms) {
          throw new PdbParseError(
            'ENTRY_TOO_LARGE',
            `${label} has more than ${maxAtoms} coordinate records (the limit)`,
            { details: { label, maxAtoms } },
          );
        }
        model ??= new ModelBuilder(models.length + 1);
        model.add(parseAtom(ctx, record === 'HETATM'));
        break;
      }
      case 'TER':
        model?.terminate();
        break;
      case 'END':
        sawEnd = true;
        break;
      default:
        break;
    }
  }

  if (inModelRecord) {
    throw new PdbParseError(
      'TRUNCATED_ENTRY',
      `${label} ends inside a MODEL record (no ENDMDL): the file is truncated`,
      { details: { label } },
    );
  }
  if (model !== null && !model.empty) models.push(model.build());
  if (requireEnd && !sawEnd) {
    throw new PdbParseError(
      'TRUNCATED_ENTRY',
      `${label} has no END record: the file is truncated (wwPDB files always end with END)`,
      { details: { label, lines: lines.length } },
    );
  }
  if (atomCount === 0 || models.length === 0) {
    throw new PdbParseError('NO_COORDINATES', `${label} has no ATOM or HETATM records`, {
      details: { label },
    });
  }

  return {
    idCode,
    classification,
    title: titleParts.join(' ').replace(/\s+/g, ' ').trim(),
    experimentalMethod: expdtaParts.join(' ').replace(/\s+/g, ' ').trim(),
    models,
    seqres,
    modifiedResidues,
    missingResidues,
    missingAtoms,
    ssbonds,
  };
}
