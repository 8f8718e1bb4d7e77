import { useState } from "react";
import { post } from "../api";
import { ErrorBox } from "../components/ui";
import { useSession } from "../session";

export function AccountPage() {
  const { user, refreshSystem } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (next !== repeat) return setError(new Error("The two new passwords differ."));
    setError(null);
    try {
      await post("/api/auth/password", { current_password: current, new_password: next });
      setDone(true);
      setCurrent("");
      setNext("");
      setRepeat("");
      refreshSystem();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="page narrow">
      <h1>Account</h1>
      <p>
        Signed in as <b className="mono">{user.username}</b> with role <span className="role">{user.role}</span>.
      </p>
      <form className="form card" onSubmit={submit}>
        <h2>Change password</h2>
        <label>
          Current password
          <input type="password" value={current} onChange={(e) => setCurrent(e.target.value)} autoComplete="current-password" required />
        </label>
        <label>
          New password (8+ characters)
          <input type="password" value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" minLength={8} required />
        </label>
        <label>
          New password again
          <input type="password" value={repeat} onChange={(e) => setRepeat(e.target.value)} autoComplete="new-password" minLength={8} required />
        </label>
        <ErrorBox error={error} />
        {done && <p className="ok-text">Password changed.</p>}
        <div className="form-actions">
          <button className="primary" type="submit">
            Change password
          </button>
        </div>
      </form>
    </div>
  );
}
