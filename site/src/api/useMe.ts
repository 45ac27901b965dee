import { useQuery } from "@tanstack/react-query";
import type { Role, User } from "../../../src/sdk/schemas/users.js";
import { useDenClient } from "./ClientContext.tsx";

export const ME_KEY = ["users", "me"] as const;

/** The logged-in user; fails with 401 when there is no session. */
export function useMe() {
  const client = useDenClient();
  return useQuery<User>({ queryKey: ME_KEY, queryFn: () => client.users.me(), retry: false, staleTime: 60_000 });
}

export function hasRole(user: User | undefined, ...roles: Role[]): boolean {
  return !!user && user.roles.some((role) => role === "owner" || roles.includes(role));
}
