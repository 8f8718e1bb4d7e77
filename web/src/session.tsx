import { createContext, useContext } from "react";
import type { Role, SystemInfo, User } from "./types";

export interface Session {
  user: User;
  system: SystemInfo | null;
  logout: () => void;
  refreshSystem: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** The UI hides write actions below the role the server will demand; the server still decides. */
export function atLeast(user: User | null | undefined, role: Role): boolean {
  if (!user) return false;
  return (RANK[user.role] ?? -1) >= RANK[role];
}
