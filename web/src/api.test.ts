import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, getToken, onUnauthorized, setToken } from "./api";

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(body === undefined ? "" : JSON.stringify(body), { status }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  setToken(null);
});

describe("api client", () => {
  it("sends the bearer token and parses JSON", async () => {
    const fetch = answer(200, { ok: 1 });
    vi.stubGlobal("fetch", fetch);
    setToken("a.b.c");
    expect(await api("GET", "/api/x")).toEqual({ ok: 1 });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer a.b.c");
  });

  it("turns the server's error body into an ApiError with code and field", async () => {
    vi.stubGlobal("fetch", answer(400, { error: { code: "validation", message: "retention_hours must be 24..8760", field: "retention_hours" } }));
    const error = await api("POST", "/api/streams", {}).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "validation", field: "retention_hours", message: "retention_hours must be 24..8760" });
  });

  it("a 401 drops the token and tells the app to show the login page", async () => {
    vi.stubGlobal("fetch", answer(401, { error: { code: "unauthorized", message: "token expired" } }));
    setToken("a.b.c");
    const seen = vi.fn();
    const stop = onUnauthorized(seen);
    await expect(api("GET", "/api/streams")).rejects.toMatchObject({ status: 401 });
    expect(seen).toHaveBeenCalledTimes(1);
    expect(getToken()).toBeNull();
    stop();
  });

  it("a failed login is an error, not a session expiry", async () => {
    vi.stubGlobal("fetch", answer(401, { error: { code: "unauthorized", message: "wrong username or password" } }));
    const seen = vi.fn();
    const stop = onUnauthorized(seen);
    await expect(api("POST", "/api/auth/login", {})).rejects.toMatchObject({ code: "unauthorized" });
    expect(seen).not.toHaveBeenCalled();
    stop();
  });

  it("a non-JSON error keeps its status", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>bad gateway</html>", { status: 502 })));
    await expect(api("GET", "/api/x")).rejects.toMatchObject({ status: 502, code: "http_502" });
  });
});
