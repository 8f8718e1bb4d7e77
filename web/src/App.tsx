import { useCallback, useEffect, useState } from "react";
import { get, getToken, onUnauthorized, post, setToken } from "./api";
import { match, navigate, usePath } from "./router";
import { atLeast, SessionContext, type Session } from "./session";
import type { SystemInfo, User } from "./types";
import { LoginPage } from "./pages/Login";
import { StreamsPage } from "./pages/Streams";
import { StreamDetailPage } from "./pages/StreamDetail";
import { AnalysisPage } from "./pages/Analysis";
import { UsersPage } from "./pages/Users";
import { AccountPage } from "./pages/Account";

export function App() {
  const path = usePath();
  const [user, setUser] = useState<User | null>(null);
  const [system, setSystem] = useState<SystemInfo | null>(null);
  const [checking, setChecking] = useState(Boolean(getToken()));

  const refreshSystem = useCallback(() => {
    get<SystemInfo>("/api/system").then(setSystem, () => setSystem(null));
  }, []);

  // A token from sessionStorage (a reload): check it is still good before showing any page.
  useEffect(() => {
    if (!getToken()) return;
    get<User>("/api/auth/me")
      .then((me) => {
        setUser(me);
        refreshSystem();
      })
      .catch(() => setToken(null))
      .finally(() => setChecking(false));
  }, [refreshSystem]);

  useEffect(
    () =>
      onUnauthorized(() => {
        setUser(null);
        navigate(`/login?next=${encodeURIComponent(window.location.pathname)}`, true);
      }),
    [],
  );

  const logout = useCallback(() => {
    post("/api/auth/logout").catch(() => undefined);
    setToken(null);
    setUser(null);
    setSystem(null);
    navigate("/login");
  }, []);

  if (checking) return <div className="boot">Kinesis Workbench…</div>;

  if (!user) {
    return (
      <LoginPage
        onLogin={(token, me) => {
          setToken(token);
          setUser(me);
          refreshSystem();
          // Back to the page the user asked for: ?next= after an expired session, else the current path.
          const here = window.location.pathname;
          const next = new URLSearchParams(window.location.search).get("next") ?? (here === "/" ? null : here);
          navigate(next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/analysis", true);
        }}
      />
    );
  }

  const session: Session = { user, system, logout, refreshSystem };
  return (
    <SessionContext.Provider value={session}>
      <Layout path={path} session={session}>
        <Routes path={path} session={session} />
      </Layout>
    </SessionContext.Provider>
  );
}

function Routes({ path, session }: { path: string; session: Session }) {
  let params: Record<string, string> | null;
  if (path === "/" || path === "/login" || path === "/analysis") return <AnalysisPage id={null} />;
  if ((params = match("/analysis/:id", path))) return <AnalysisPage id={params.id} />;
  if (path === "/streams") return <StreamsPage />;
  if ((params = match("/streams/:name", path))) return <StreamDetailPage name={params.name} />;
  if (path === "/users" && atLeast(session.user, "admin")) return <UsersPage />;
  if (path === "/account") return <AccountPage />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <a href="/analysis" onClick={link("/analysis")}>Bulk analysis</a>
      </p>
    </div>
  );
}

export function link(to: string) {
  return (e: React.MouseEvent) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
}

function Layout({ path, session, children }: { path: string; session: Session; children: React.ReactNode }) {
  const { user, system } = session;
  const nav: [string, string, boolean][] = [
    ["/analysis", "Bulk analysis", path === "/" || path.startsWith("/analysis")],
    ["/streams", "Streams", path.startsWith("/streams")],
  ];
  if (atLeast(user, "admin")) nav.push(["/users", "Users", path.startsWith("/users")]);
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/analysis" onClick={link("/analysis")}>
          <span className="logo">◆</span> Kinesis Workbench
        </a>
        <nav>
          {nav.map(([to, label, active]) => (
            <a key={to} href={to} onClick={link(to)} className={active ? "active" : ""}>
              {label}
            </a>
          ))}
        </nav>
        <div className="target">
          {system && (
            <span title={system.aws_target.kinesis_endpoint}>
              <span className={`pill pill-${system.aws_target.mode === "aws" ? "busy" : "neutral"}`}>{system.aws_target.mode}</span>{" "}
              {system.aws_target.region} · v{system.version}
            </span>
          )}
        </div>
        <div className="who">
          <a href="/account" onClick={link("/account")} className={path === "/account" ? "active" : ""}>
            {user.username} <span className="role">{user.role}</span>
          </a>
          <button className="ghost" onClick={session.logout}>
            Sign out
          </button>
        </div>
      </header>
      {system?.default_admin_password && (
        <div className="banner warn" data-testid="default-password-warning">
          The <b>admin</b> account still has the default password.{" "}
          {user.username === "admin" ? (
            <a href="/account" onClick={link("/account")}>
              Change it now
            </a>
          ) : (
            "Ask an administrator to change it."
          )}{" "}
          — <code>kwb serve --production</code> refuses to start until it is changed.
        </div>
      )}
      <main>{children}</main>
    </div>
  );
}
