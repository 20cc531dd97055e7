// How the page gets its API token. Reads may be open (a validator run with `--api-open-read`);
// otherwise, and for submissions, a bearer token is needed. It comes either in the address's
// fragment (`#/jobs?token=...`: fragments never reach the server or its logs) or typed into the
// page, and is kept in sessionStorage: it lives as long as the tab and is never written to disk
// by the page nor put in a URL the page makes.

const TOKEN_PATTERN = /^[\x21-\x7e]{16,256}$/;
const STORAGE_KEY = 'fold-dashboard-token';

/**
 * Why a typed token cannot be one (the validator accepts 16 to 256 printable ASCII characters
 * without spaces), or null when it can. Pure.
 */
export function tokenProblem(token: string): string | null {
  if (token.length < 16) return 'a token has at least 16 characters';
  if (token.length > 256) return 'a token has at most 256 characters';
  if (!TOKEN_PATTERN.test(token)) return 'a token has only printable characters, no spaces';
  return null;
}

/**
 * Splits a `token` parameter off an address fragment: `#/jobs?status=active&token=abc` gives the
 * token and `#/jobs?status=active`. A token that cannot be one is dropped all the same (it must
 * not stay in the address bar). Pure.
 */
export function takeTokenFromFragment(hash: string): { token: string | null; hash: string } {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = body.indexOf('?');
  const path = queryAt < 0 ? body : body.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : body.slice(queryAt + 1));
  // `#token=...` alone is accepted too.
  const bare = path.startsWith('token=') ? new URLSearchParams(path) : null;
  const given = query.get('token') ?? bare?.get('token') ?? null;
  if (given === null) return { token: null, hash };
  query.delete('token');
  const rest = query.toString();
  const restPath = bare === null ? path : '/';
  return {
    token: tokenProblem(given) === null ? given : null,
    hash: `#${restPath}${rest === '' ? '' : `?${rest}`}`,
  };
}

/** The token of this tab (sessionStorage), with the fragment's taking precedence at start. */
export class TokenStore {
  readonly #storage: Storage;
  #listeners = new Set<(token: string | null) => void>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** The current token, or null. */
  get(): string | null {
    return this.#storage.getItem(STORAGE_KEY);
  }

  /** Keeps a token (null forgets it); callers check it with {@link tokenProblem} first. */
  set(token: string | null): void {
    if (token === null) this.#storage.removeItem(STORAGE_KEY);
    else this.#storage.setItem(STORAGE_KEY, token);
    for (const listener of this.#listeners) listener(token);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (token: string | null) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
