import { useState } from "react";
import { ApiError, post } from "../api";
import { ErrorBox } from "../components/ui";
import type { User } from "../types";

export function LoginPage({ onLogin }: { onLogin: (token: string, user: User) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const expired = new URLSearchParams(window.location.search).has("next");

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await post<{ token: string; user: User }>("/api/auth/login", { username, password });
      onLogin(answer.token, answer.user);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form onSubmit={submit} className="login-card">
        <h1>
          <span className="logo">◆</span> Kinesis Workbench
        </h1>
        <p className="muted">Prove your Kinesis pipelines are fast, whole and keep up at peak.</p>
        {expired && !error && <div className="banner info">Your session ended. Sign in again.</div>}
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error instanceof ApiError && error.status === 429 ? (
          <div className="error-box">Too many failed sign-ins: this account is locked for a while. {error.message}</div>
        ) : (
          <ErrorBox error={error} />
        )}
        <button className="primary" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
