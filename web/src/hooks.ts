import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "./api";

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  updatedAt: number | null;
}

/**
 * Loads `load()` now and every `intervalMs` (0: once) while the tab is visible. Keeps the last good
 * data on a failed refresh, so a blip shows an error line instead of blanking the page.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++generation.current;
    loadRef
      .current()
      .then((value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setUpdatedAt(Date.now());
      })
      .catch((e: unknown) => {
        if (mine !== generation.current) return;
        setError(e instanceof ApiError ? e : new ApiError(0, "client", String(e)));
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
  }, []);

  useEffect(() => {
    setLoading(true);
    setData(null);
    run();
    if (!intervalMs) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") run();
    }, intervalMs);
    return () => window.clearInterval(timer);
    // `deps` are the caller's (what the loader reads); `load` itself is read through loadRef.
  }, deps);

  return { data, error, loading, reload: run, updatedAt };
}

/** Re-renders every `ms` so relative times ("3 min ago") stay true. */
export function useNow(ms = 15000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * A dialog's submit: `run(action)` marks the dialog busy, awaits the action, then calls `onDone`
 * (which closes the dialog). On failure the dialog stays open, shows the error and can be retried.
 */
export function useDialogAction(onDone: () => void) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}
