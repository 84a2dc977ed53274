// Loads data for a screen and, given `refreshMs`, keeps it fresh by polling: one request at a time,
// paused while the tab is hidden, and the last good data kept on screen when a refresh fails.

import { useCallback, useEffect, useRef, useState } from 'react';

export interface ApiData<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again now (after a change the user made). */
  reload(): Promise<void>;
}

export function useApiData<T>(load: () => Promise<T>, deps: readonly unknown[], options: { refreshMs?: number } = {}): ApiData<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  // Answers of an earlier generation (before deps changed) are dropped, not shown for the new ones.
  const generation = useRef(0);
  const inFlight = useRef<Promise<void> | null>(null);

  const run = useCallback(async () => {
    const mine = generation.current;
    try {
      const value = await loadRef.current();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  const reload = useCallback(() => {
    const pending: Promise<void> = run().finally(() => {
      if (inFlight.current === pending) inFlight.current = null;
    });
    inFlight.current = pending;
    return pending;
  }, [run]);

  useEffect(() => {
    generation.current += 1;
    setLoading(true);
    setData(undefined);
    setError(undefined);
    void reload();
    if (!options.refreshMs) return undefined;
    const timer = window.setInterval(() => {
      if (document.hidden || inFlight.current) return;
      void reload();
    }, options.refreshMs);
    return () => window.clearInterval(timer);
    // `deps` are the caller's: the screen says what its data depends on.
  }, [...deps, options.refreshMs, reload]);

  return { data, error, loading, reload };
}
