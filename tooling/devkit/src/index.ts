export {
  chainSpecPath,
  MissingSharedDataError,
  pdbEntryPath,
  pdbMirrorDir,
  sharedDir,
  workspaceRoot,
} from './shared-data.js';
