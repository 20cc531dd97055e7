/** One ATOM or HETATM record. Coordinates in Å, as in the file. */
export interface PdbAtom {
  /** Atom serial number; null when the field is not a decimal number (hybrid-36, `*****`). */
  readonly serial: number | null;
  /** Atom name, trimmed (`CA`, `OXT`, `HG21`). */
  readonly name: string;
  /** Alternate location indicator, `''` when blank. */
  readonly altLoc: string;
  readonly resName: string;
  readonly chainId: string;
  readonly resSeq: number;
  /** Insertion code, `''` when blank. */
  readonly iCode: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
  /** Occupancy; 1 when the column is blank. */
  readonly occupancy: number;
  readonly tempFactor: number;
  /** Element symbol, upper case; inferred from the atom name when the column is blank. */
  readonly element: string;
  /** True for HETATM records. */
  readonly hetero: boolean;
  /** 1-based line number in the file, for error messages. */
  readonly line: number;
}

/** The atoms sharing one (chain, resSeq, iCode), every altLoc included, in file order. */
export interface PdbResidue {
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
  /** Residue name of the first atom; microheterogeneous residues carry others on their atoms. */
  readonly resName: string;
  /** True when every record of the residue is HETATM. */
  readonly hetero: boolean;
  readonly atoms: readonly PdbAtom[];
}

/** Residues of one chain id within one model, in file order. */
export interface PdbChain {
  readonly id: string;
  readonly residues: readonly PdbResidue[];
}

/** One MODEL (or the whole file when it has no MODEL records). */
export interface PdbModel {
  readonly serial: number;
  readonly chains: readonly PdbChain[];
}

/** A MODRES record: a modified residue and the standard residue it derives from. */
export interface ModifiedResidue {
  readonly resName: string;
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
  /** Standard residue name from the record (`LEU` for NLE in 2F4K). */
  readonly standardResName: string;
  readonly comment: string;
}

/** A residue listed in REMARK 465 (in SEQRES, not located in the experiment). */
export interface MissingResidue {
  /** Model number for NMR entries; null when the column is blank. */
  readonly model: number | null;
  readonly resName: string;
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
}

/** A residue listed in REMARK 470 with the atoms the depositors could not locate. */
export interface MissingAtoms {
  readonly model: number | null;
  readonly resName: string;
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
  readonly atoms: readonly string[];
}

/** One side of an SSBOND record. */
export interface SsBondPartner {
  readonly resName: string;
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
}

/** An SSBOND record (disulfide bond). */
export interface SsBond {
  readonly first: SsBondPartner;
  readonly second: SsBondPartner;
  /** Bond length in Å when given. */
  readonly lengthA: number | null;
}

/** A parsed PDB-format entry. */
export interface PdbStructure {
  /** The id from the HEADER record, lower case; null without HEADER. */
  readonly idCode: string | null;
  readonly classification: string;
  readonly title: string;
  /** EXPDTA text (`X-RAY DIFFRACTION`, `SOLUTION NMR`); '' when absent. */
  readonly experimentalMethod: string;
  readonly models: readonly PdbModel[];
  /** SEQRES residue names per chain id. */
  readonly seqres: Readonly<Record<string, readonly string[]>>;
  readonly modifiedResidues: readonly ModifiedResidue[];
  readonly missingResidues: readonly MissingResidue[];
  readonly missingAtoms: readonly MissingAtoms[];
  readonly ssbonds: readonly SsBond[];
}

/** `A:65` or `A:52B`: how residues are named in messages and provenance. */
export function residueLabel(r: {
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
}): string {
  return `${r.chainId || '_'}:${r.resSeq}${r.iCode}`;
}
