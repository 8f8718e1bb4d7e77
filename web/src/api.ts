// The one HTTP client of the UI. Keeps the session token in memory and in sessionStorage (so a
// reload keeps the user signed in, but a closed tab does not), turns error bodies into ApiError
// with the server's code and field, and sends every 401 back to the login page.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "kwb.token";
let token: string | null = readStored();
const unauthorizedListeners = new Set<() => void>();

function readStored(): string | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function getToken(): string | null {
  return token;
}

export function setToken(next: string | null): void {
  token = next;
  try {
    if (next) sessionStorage.setItem(TOKEN_KEY, next);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage may be disabled (private mode): the in-memory token still works for this page.
  }
}

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "network", `The server could not be reached (${(e as Error).message}).`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    const error = new ApiError(response.status, err?.code ?? `http_${response.status}`, err?.message ?? (text.slice(0, 200) || response.statusText), err?.field);
    if (response.status === 401 && !path.startsWith("/api/auth/login")) {
      setToken(null);
      unauthorizedListeners.forEach((listener) => listener());
    }
    throw error;
  }
  return parsed as T;
}

export const get = <T,>(path: string) => api<T>("GET", path);
export const post = <T,>(path: string, body?: unknown) => api<T>("POST", path, body ?? {});
export const put = <T,>(path: string, body: unknown) => api<T>("PUT", path, body);
export const del = <T,>(path: string) => api<T>("DELETE", path);

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}
