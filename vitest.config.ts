import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/vitest.json" },
    projects: [
      // Server, CLI, agent and end-to-end tests: Node, with the embedded PostgreSQL of globalSetup.
      { extends: true, test: { name: "node", include: ["src/**/*.test.ts", "test/**/*.test.ts"] } },
      // Dashboard component tests: a DOM (jsdom) and no database.
      { test: { name: "site", include: ["site/src/**/*.test.tsx", "site/src/**/*.test.ts"], environment: "jsdom" } },
    ],
  },
});
