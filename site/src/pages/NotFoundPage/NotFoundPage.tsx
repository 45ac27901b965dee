import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        No page here. <Link to="/workspaces">Go to your workspaces</Link>.
      </p>
    </>
  );
}
