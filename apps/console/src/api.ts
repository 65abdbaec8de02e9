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
export async function call(
  method: string, path: string, body?: unknown,
  init: { readonly contentType?: string; readonly headers?: Readonly<Record<string, string>>; readonly signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
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
  const res = await fetch(path, { method, headers, body: payload, signal: init.signal });
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

/** One Server-Sent Event as {@link followEvents} hands it on (`data` parsed as JSON). */
export interface StreamEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: unknown;
}

/** Options of {@link followEvents}. */
export interface FollowOptions {
  /** Stops following (and closes the connection). */
  readonly signal: AbortSignal;
  /** True once the caller has what it waited for: a stream the server ends is then not reopened. */
  readonly done?: () => boolean;
  /** Called when the connection dropped and is being reopened (for a status line). */
  readonly onReconnect?: (err: unknown) => void;
}

/** Splits SSE text into events; returns the events and the unfinished rest. */
export function parseSse(text: string): { events: { id: string | null; event: string; data: string; retry: number | null }[]; rest: string } {
  const events: { id: string | null; event: string; data: string; retry: number | null }[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let id: string | null = null, event = 'message', retry: number | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const k = line.indexOf(':');
      const name = k < 0 ? line : line.slice(0, k);
      const value = k < 0 ? '' : line.slice(k + 1).replace(/^ /, '');
      if (name === 'id') id = value;
      else if (name === 'event') event = value;
      else if (name === 'data') data.push(value);
      else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (data.length || id !== null || retry !== null) events.push({ id, event, data: data.join('\n'), retry });
  }
  return { events, rest };
}

/**
 * Follows a Server-Sent Events route of the API with the key as a header (`fetch` streaming:
 * `EventSource` cannot send headers). A dropped connection is reopened after the server's
 * `retry:` delay with `Last-Event-ID`, so nothing is lost or repeated; a stream the server ends is
 * reopened too unless `done()` says the caller has what it waited for. Resolves when done or
 * aborted; an API error answer (404, 403…) rejects with {@link ApiCallError}.
 */
export async function followEvents(path: string, onEvent: (e: StreamEvent) => void, options: FollowOptions): Promise<void> {
  let lastId: string | null = null;
  let retryMs = 2000;
  const { signal } = options;
  while (!signal.aborted) {
    try {
      const res = await call('GET', path, undefined, { headers: { Accept: 'text/event-stream', ...(lastId !== null ? { 'Last-Event-ID': lastId } : {}) }, signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        const parsed = parseSse(buf);
        buf = parsed.rest;
        for (const e of parsed.events) {
          if (e.retry !== null) retryMs = e.retry;
          if (e.id !== null) lastId = e.id;
          if (e.data !== '') onEvent({ id: e.id, event: e.event, data: JSON.parse(e.data) as unknown });
        }
      }
      if (options.done?.()) return;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiCallError) throw err;
      options.onReconnect?.(err);
    }
    if (options.done?.()) return;
    await new Promise<void>((r) => {
      const timer = setTimeout(r, retryMs);
      signal.addEventListener('abort', () => { clearTimeout(timer); r(); }, { once: true });
    });
  }
}
