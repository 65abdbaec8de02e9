/** Scopes an API key may hold. `admin` implies the other two. */
export const SCOPES = ['read', 'run', 'admin'] as const;
/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** The caller behind a request: an API key that verified. */
export interface Principal {
  /** Id of the key (UUID). */
  readonly keyId: string;
  /** Name given when the key was created. */
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** True when `p` may use a route that needs `scope`. */
export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('admin') || p.scopes.includes(scope);
}
