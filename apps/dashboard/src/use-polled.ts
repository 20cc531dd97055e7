import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DashboardError } from './errors.js';

/** The state of data loaded from the validator and refreshed on an interval. */
export interface Polled<T> {
  /** The last answer (kept while a refresh runs or after a refresh failed). */
  readonly data: T | null;
  /** The last failure, cleared by the next success. */
  readonly error: DashboardError | null;
  /** True until the first answer or failure. */
  readonly loading: boolean;
  /** Loads again now. */
  readonly refresh: () => void;
}

function asDashboardError(error: unknown): DashboardError {
  if (error instanceof DashboardError) return error;
  return new DashboardError(
    'API_BAD_RESPONSE',
    error instanceof Error ? error.message : String(error),
    { cause: error },
  );
}

/**
 * Loads `load()` now, whenever `key` changes, and every `intervalMs` while the tab is visible
 * (null: once). Answers to outdated requests are dropped, so a slow answer never overwrites a
 * newer one; one request at a time.
 */
export function usePolled<T>(
  load: () => Promise<T>,
  key: string,
  intervalMs: number | null,
): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<DashboardError | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const busy = useRef(false);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback((reset: boolean) => {
    if (busy.current && !reset) return;
    const mine = ++generation.current;
    busy.current = true;
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        busy.current = false;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        busy.current = false;
        setError(asDashboardError(failure));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setData(null);
    setError(null);
    setLoading(true);
    run(true);
    return () => {
      generation.current++;
      busy.current = false;
    };
  }, [key, run]);

  useEffect(() => {
    if (intervalMs === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run(false);
    }, intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, run]);

  return { data, error, loading, refresh: () => run(true) };
}
