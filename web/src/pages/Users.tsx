import { useState } from "react";
import { enc, get, post } from "../api";
import { ErrorBox, Modal, StatusPill } from "../components/ui";
import { useNow, usePoll } from "../hooks";
import { formatRelative } from "../lib/format";
import { useSession } from "../session";
import type { Role, User } from "../types";

export function UsersPage() {
  const { user: me } = useSession();
  const now = useNow();
  const users = usePoll(() => get<{ users: User[] }>("/api/users"), 30000, []);
  const [dialog, setDialog] = useState<{ kind: "create" } | { kind: "reset"; user: User } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const disable = async (u: User) => {
    if (!window.confirm(`Disable ${u.username}? Their sessions stop working at once.`)) return;
    setError(null);
    try {
      await post(`/api/users/${enc(u.username)}/disable`);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Users</h1>
        <div className="spacer" />
        <button className="primary" onClick={() => setDialog({ kind: "create" })}>
          Create user
        </button>
      </div>
      <p className="muted small">viewer: reads everything · operator: also creates, scales, tags and deletes streams, runs analyses and applies fixes · admin: also manages users</p>
      <ErrorBox error={error ?? (users.data ? null : users.error)} />
      <table className="grid-table" data-testid="users-table">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>State</th>
            <th>Created</th>
            <th>Password</th>
            <th className="actions">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(users.data?.users ?? []).map((u) => (
            <tr key={u.username} className={u.disabled ? "dim" : ""}>
              <td className="mono">
                {u.username}
                {u.username === me.username && <span className="muted small"> (you)</span>}
              </td>
              <td>
                <span className="role">{u.role}</span>
              </td>
              <td>{u.disabled ? <StatusPill status="disabled" /> : <span className="muted">active</span>}</td>
              <td className="small">{formatRelative(u.created_at, now)}</td>
              <td className="small">{u.password_changed === false ? <span className="warn-text">initial</span> : "changed"}</td>
              <td className="actions">
                <button onClick={() => setDialog({ kind: "reset", user: u })}>Reset password</button>
                <button className="danger" disabled={u.disabled || u.username === me.username} onClick={() => disable(u)}>
                  Disable
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {dialog?.kind === "create" && (
        <CreateUser
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            users.reload();
          }}
        />
      )}
      {dialog?.kind === "reset" && <ResetPassword user={dialog.user} onClose={() => setDialog(null)} />}
    </div>
  );
}

function CreateUser({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await post("/api/users", { username, password, role });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title="Create user" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>
          Username
          <input value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Initial password (8+ characters)
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} minLength={8} required autoComplete="new-password" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="primary" type="submit">
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ResetPassword({ user, onClose }: { user: User; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await post(`/api/users/${enc(user.username)}/password`, { password });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title={`Reset the password of ${user.username}`} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        {done ? (
          <p className="ok-text">Password reset. Tell {user.username} through a channel you trust.</p>
        ) : (
          <label>
            New password (8+ characters)
            <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} minLength={8} required autoComplete="new-password" />
          </label>
        )}
        <ErrorBox error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            {done ? "Close" : "Cancel"}
          </button>
          {!done && (
            <button className="primary" type="submit">
              Reset
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}
