import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from './services.js';

/** Residue names of water and ions in GROMACS and PDB files: not drawn, not counted. */
const SOLVENT = new Set(['SOL', 'HOH', 'WAT', 'TIP3', 'NA', 'CL', 'K', 'SOD', 'CLA', 'POT']);

/** Props of {@link StructureViewer}. */
export interface StructureViewerProps {
  /** The API link of the structure as PDB. */
  readonly pdbLink: string;
  /** Changes whenever the structure does (the best result's time), to load it again. */
  readonly version: string;
}

type ViewerState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'ready'; readonly atoms: number; readonly residues: number }
  | { readonly phase: 'failed'; readonly message: string };

/**
 * The best structure in 3D (3Dmol.js, loaded on first use): the protein as a cartoon coloured
 * from N- to C-terminus, water and ions hidden; drag to rotate, scroll to zoom. The element
 * carries `data-state` and `data-atoms` (protein atoms drawn) for tests and tools.
 */
export function StructureViewer(props: StructureViewerProps) {
  const { api } = useServices();
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<ViewerState>({ phase: 'loading' });

  useEffect(() => {
    let disposed = false;
    let canvas: HTMLCanvasElement | null = null;
    setState({ phase: 'loading' });
    Promise.all([api.structure(props.pdbLink), import('3dmol')])
      .then(([text, library]) => {
        if (disposed || host.current === null) return;
        host.current.replaceChildren();
        const viewer = library.createViewer(host.current, {
          backgroundColor: 'white',
          antialias: true,
        });
        // Hydrogens are kept: the atom count is the structure's, not only its heavy atoms.
        const model = viewer.addModel(text, 'pdb', { keepH: true });
        const protein = { predicate: (atom: { resn?: string }) => !SOLVENT.has(atom.resn ?? '') };
        viewer.setStyle({}, {});
        viewer.setStyle(protein, { cartoon: { color: 'spectrum' } });
        viewer.zoomTo(protein);
        viewer.render();
        canvas = viewer.getCanvas();
        const atoms = model.selectedAtoms(protein);
        setState({
          phase: 'ready',
          atoms: atoms.length,
          residues: new Set(atoms.map((a) => `${a.chain ?? ''}:${a.resi ?? ''}`)).size,
        });
      })
      .catch((error: unknown) => {
        if (!disposed)
          setState({
            phase: 'failed',
            message: error instanceof Error ? error.message : String(error),
          });
      });
    return () => {
      disposed = true;
      // Browsers allow a few WebGL contexts per page: give this one back.
      canvas?.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext();
    };
  }, [api, props.pdbLink, props.version]);

  return (
    <figure class="structure">
      <figcaption>
        Best structure
        {state.phase === 'ready' && (
          <span class="muted">
            {' '}
            · {state.residues} residues, {state.atoms} atoms · drag to rotate, scroll to zoom
          </span>
        )}
      </figcaption>
      <div
        ref={host}
        class="viewer"
        data-testid="structure-viewer"
        data-state={state.phase}
        data-atoms={state.phase === 'ready' ? state.atoms : 0}
      />
      {state.phase === 'loading' && <p class="muted">Loading the structure…</p>}
      {state.phase === 'failed' && (
        <p class="error" role="alert">
          The structure could not be shown: {state.message}
        </p>
      )}
    </figure>
  );
}
