// What a screen shows while its data loads, or when loading failed (with a way to try again).

import type { ApiData } from '../hooks/useApiData.ts';

export function LoadProblem<T>({ state, what }: { state: ApiData<T>; what: string }) {
  if (state.error) {
    return (
      <p className="form-error" role="alert">
        Could not load {what}: {state.error.message}{' '}
        <button type="button" className="link" onClick={() => void state.reload()}>
          Try again
        </button>
      </p>
    );
  }
  if (state.loading && state.data === undefined) return <p className="loading">Loading {what}…</p>;
  return null;
}
