import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";
import { requirePrerequisite } from "./prerequisites.js";

/** Debian's Chromium (scripts/install-test-deps.sh); playwright-core drives it, it downloads no browser. */
export const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..", "..");
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");
/** Flags from TECH-NOTES.md: headless, no sandbox (root in a container), nothing that calls home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** For `describe.runIf`: true when Chromium is there; under CI=true its absence fails instead. */
export function chromiumPrerequisite(): boolean {
  return requirePrerequisite("chromium", existsSync(CHROMIUM), "apt-get install -y chromium (scripts/install-test-deps.sh)");
}

/** The server serves site/dist: build it from the current sources, as `npm run build` does. */
export async function buildDashboard(): Promise<void> {
  // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: join(ROOT, "site", "vite.config.ts"), logLevel: "error", mode: "production" });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

export type TestBrowser = {
  context: BrowserContext;
  /** The first tab, with `stepMs` as its default timeout. */
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
};

/** Chromium with a fresh profile of its own (cookies and storage start empty). */
export async function launchChromium(opts: { stepMs: number; viewport?: { width: number; height: number } }): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "den-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1280, height: 800 },
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(opts.stepMs);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
