/**
 * The console's HTTP client: same-origin calls to /api/v1 with the API key from this browser
 * tab's sessionStorage (sent as `Authorization: Bearer …`, never in a URL or a cookie).
 */
const KEY = 'coinhts.apiKey';

/** One invalid field as the API reports it (`details.issues`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** An error answer of the API (`{error: {code, message, details}}`). */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(readonly status: number, readonly code: string, message: string, readonly issues: readonly FieldIssue[]) {
    super(message);
  }
}

/** The key of this tab, or null. */
export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Keeps the key for this tab only (sessionStorage ends with the tab). */
export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** Calls the API; throws {@link ApiCallError} for an error answer. */
export async function call(method: string, path: string, body?: unknown, init: { readonly contentType?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let payload: BodyInit | undefined;
  if (body instanceof Blob || typeof body === 'string') {
    payload = body;
    headers['Content-Type'] = init.contentType ?? 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers, body: payload });
  if (!res.ok) {
    let code = `HTTP_${res.status}`, message = res.statusText, issues: FieldIssue[] = [];
    try {
      const e = (await res.json()) as { error?: { code?: string; message?: string; details?: { issues?: FieldIssue[] } | null } };
      code = e.error?.code ?? code;
      message = e.error?.message ?? message;
      issues = e.error?.details?.issues ?? [];
    } catch {
      // Not the API's error shape (a proxy page): keep the status text.
    }
    throw new ApiCallError(res.status, code, message, issues);
  }
  return res;
}

/** GET as JSON. */
export async function getJson<T>(path: string): Promise<T> {
  return (await call('GET', path)).json() as Promise<T>;
}

/** Downloads an API resource (sent with the key) as a file named `name`. */
export async function download(path: string, name: string): Promise<void> {
  const blob = await (await call('GET', path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
