import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The CLI's stored session: `<dir>/url` and `<dir>/session`, each mode 0600,
 * in `--global-config`, `$DEN_CONFIG_DIR`, or `$XDG_CONFIG_HOME/den`
 * (default ~/.config/den).
 */
export class CliConfig {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  static defaultDir(env: NodeJS.ProcessEnv): string {
    if (env.DEN_CONFIG_DIR) return env.DEN_CONFIG_DIR;
    const xdg = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
    return join(xdg, "den");
  }

  read(name: "url" | "session"): string | undefined {
    try {
      const value = readFileSync(join(this.dir, name), "utf8").trim();
      return value || undefined;
    } catch {
      return undefined;
    }
  }

  write(name: "url" | "session", value: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, name);
    writeFileSync(path, value + "\n", { mode: 0o600 });
    chmodSync(path, 0o600);
  }

  remove(name: "url" | "session"): void {
    rmSync(join(this.dir, name), { force: true });
  }
}
