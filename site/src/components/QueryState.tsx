import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { errorMessage } from "../api/errorMessage.ts";

/**
 * The loading, error and empty states every page shows the same way; the
 * children render only once there is data worth showing.
 */
export function QueryState<T>(props: {
  query: UseQueryResult<T>;
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { query } = props;
  if (query.isPending) return <p className="muted" role="status">Loading {props.what}…</p>;
  if (query.isError) return <ErrorBox error={query.error} what={props.what} />;
  if (props.isEmpty?.(query.data)) return <div className="empty">{props.empty ?? `No ${props.what} yet.`}</div>;
  return <>{props.children(query.data)}</>;
}

export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  return (
    <div className="error" role="alert">
      {what ? `Cannot load ${what}: ` : ""}
      {errorMessage(error)}
    </div>
  );
}
