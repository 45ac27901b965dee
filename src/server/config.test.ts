import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadServerConfig, parseDuration, serverOptions } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "den-config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function yamlFile(text: string): string {
  const path = join(dir, `config-${files++}.yaml`);
  writeFileSync(path, text);
  return path;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadServerConfig", () => {
  it("uses the declared defaults", () => {
    const config = loadServerConfig({}, { HOME: "/home/dev" });
    expect(config).toMatchObject({
      config: "",
      httpAddress: "127.0.0.1:3000",
      accessUrl: "http://127.0.0.1:3000",
      dataDir: "/home/dev/.local/share/den",
      postgresUrl: "",
      logLevel: "info",
      prometheusAddress: "127.0.0.1:2112",
      sessionDuration: "24h",
      loginRateLimit: 60,
      apiRateLimit: 512,
      provisionerDaemons: 3,
      provisionerPsk: "",
    });
  });

  it("takes a flag over the environment over the YAML file over the default", () => {
    const path = yamlFile("logLevel: debug\napiRateLimit: 100\nhttpAddress: 0.0.0.0:8080\n");
    const env = { DEN_CONFIG: path, DEN_LOG_LEVEL: "warn", DEN_API_RATE_LIMIT: "200" };
    const all = loadServerConfig({ logLevel: "error" }, env);
    expect(all).toMatchObject({ config: path, logLevel: "error", apiRateLimit: 200, httpAddress: "0.0.0.0:8080", loginRateLimit: 60 });
    expect(loadServerConfig({}, env)).toMatchObject({ logLevel: "warn", apiRateLimit: 200 });
    expect(loadServerConfig({}, { DEN_CONFIG: path })).toMatchObject({ logLevel: "debug", apiRateLimit: 100 });
    expect(loadServerConfig({ config: path }, {})).toMatchObject({ logLevel: "debug", apiRateLimit: 100 });
    expect(loadServerConfig({}, {})).toMatchObject({ logLevel: "info", apiRateLimit: 512 });
  });

  it("derives the access URL from the HTTP address unless given", () => {
    expect(loadServerConfig({ httpAddress: "10.0.0.5:80" }, {}).accessUrl).toBe("http://10.0.0.5:80");
    expect(loadServerConfig({ httpAddress: "10.0.0.5:80" }, { DEN_ACCESS_URL: "https://den.example.com" }).accessUrl).toBe("https://den.example.com");
  });

  it("accepts an empty Prometheus address, which disables metrics", () => {
    expect(loadServerConfig({ prometheusAddress: "" }, {}).prometheusAddress).toBe("");
    expect(loadServerConfig({}, { DEN_PROMETHEUS_ADDRESS: "" }).prometheusAddress).toBe("");
  });

  it.each([
    ["a flag", { logLevel: "loud" }, {}],
    ["an environment variable", {}, { DEN_LOG_LEVEL: "loud" }],
  ])("names the flag and the environment variable of a bad value from %s", (_from, flags, env) => {
    const err = configError(() => loadServerConfig(flags, env));
    expect(err.message).toContain("--log-level");
    expect(err.message).toContain("DEN_LOG_LEVEL");
    expect(err.message).toMatch(/expected one of/);
  });

  it.each([
    ["apiRateLimit", "lots", "--api-rate-limit", "DEN_API_RATE_LIMIT"],
    ["loginRateLimit", "-1", "--login-rate-limit", "DEN_LOGIN_RATE_LIMIT"],
    ["provisionerDaemons", "1.5", "--provisioner-daemons", "DEN_PROVISIONER_DAEMONS"],
    ["httpAddress", "localhost", "--http-address", "DEN_HTTP_ADDRESS"],
    ["prometheusAddress", "2112", "--prometheus-address", "DEN_PROMETHEUS_ADDRESS"],
    ["accessUrl", "ftp://den.example.com", "--access-url", "DEN_ACCESS_URL"],
    ["postgresUrl", "mysql://db", "--postgres-url", "DEN_POSTGRES_URL"],
    ["sessionDuration", "1 week", "--session-duration", "DEN_SESSION_DURATION"],
  ] as const)("refuses %s = %j", (key, value, flag, env) => {
    const fromFlag = configError(() => loadServerConfig({ [key]: value }, {}));
    expect(fromFlag.message).toContain(flag);
    expect(fromFlag.message).toContain(env);
    const fromEnv = configError(() => loadServerConfig({}, { [env]: value }));
    expect(fromEnv.message).toContain(flag);
    expect(fromEnv.message).toContain(env);
  });

  it("names the YAML file when one of its values is bad", () => {
    const path = yamlFile("apiRateLimit: many\n");
    const err = configError(() => loadServerConfig({ config: path }, {}));
    expect(err.message).toContain("--api-rate-limit");
    expect(err.message).toContain(path);
  });

  it("refuses an unknown YAML key, naming it", () => {
    const path = yamlFile("httpAddress: 127.0.0.1:3000\nhttp_address: 127.0.0.1:4000\n");
    const err = configError(() => loadServerConfig({ config: path }, {}));
    expect(err.message).toContain('unknown key "http_address"');
    expect(err.message).toContain(path);
  });

  it("refuses a YAML file that is not a mapping, and a missing file", () => {
    expect(configError(() => loadServerConfig({ config: yamlFile("- a\n- b\n") }, {})).message).toMatch(/^--config: .* must hold a mapping/);
    expect(configError(() => loadServerConfig({ config: join(dir, "missing.yaml") }, {})).message).toMatch(/^--config: cannot read/);
  });

  it("takes an empty YAML file as no settings", () => {
    expect(loadServerConfig({ config: yamlFile("") }, {}).logLevel).toBe("info");
  });

  it("declares each option with a unique flag, environment variable and key", () => {
    for (const field of ["flag", "env", "key"] as const) {
      const values = serverOptions.map((o) => o[field]);
      expect(new Set(values).size).toBe(values.length);
    }
    for (const o of serverOptions) {
      expect(o.flag).toMatch(/^--[a-z][a-z0-9-]*$/);
      expect(o.env).toMatch(/^DEN_[A-Z0-9_]+$/);
      expect(o.description.length).toBeGreaterThan(10);
      if (o.default === undefined) expect(o.defaultNote).toBeTruthy();
    }
  });
});

describe("parseDuration", () => {
  it.each([
    ["250ms", 250],
    ["30s", 30_000],
    ["15m", 900_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
  ])("reads %s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "10", "1w", "-5m", "1.5h"])("refuses %j", (text) => expect(() => parseDuration(text)).toThrow(/invalid duration/));
});

describe("Docker settings", () => {
  it("honours Docker's own DOCKER_HOST and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, below Den's", () => {
    expect(loadServerConfig({}, { DOCKER_HOST: "tcp://d:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" })).toMatchObject({ dockerHost: "tcp://d:2376", dockerCertPath: "/certs" });
    expect(loadServerConfig({}, { DOCKER_HOST: "tcp://d:2376", DEN_DOCKER_HOST: "unix:///run/d.sock" }).dockerHost).toBe("unix:///run/d.sock");
    expect(loadServerConfig({}, { DOCKER_CERT_PATH: "/certs" }).dockerCertPath).toBe("");
    expect(loadServerConfig({}, { DEN_DOCKER_HOST: "ssh://me@box:2222", DEN_DOCKER_SSH_CONFIG: "/etc/den/ssh_config" })).toMatchObject({ dockerHost: "ssh://me@box:2222", dockerSshConfig: "/etc/den/ssh_config" });
    expect(() => loadServerConfig({}, { DEN_DOCKER_HOST: "npipe:////./pipe/docker" })).toThrow("--docker-host (DEN_DOCKER_HOST): DOCKER_HOST \"npipe:////./pipe/docker\": must be unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port]");
    expect(() => loadServerConfig({}, { DEN_DOCKER_HOST: "ssh://me:secret@box" })).toThrow("a password in the URL is not supported");
  });
});

describe("app options", () => {
  it("takes a wildcard host pattern, with or without a port, or nothing", () => {
    expect(loadServerConfig({}, {}).wildcardAccessUrl).toBe("");
    expect(loadServerConfig({ wildcardAccessUrl: "*.den.localhost:3000" }, {}).wildcardAccessUrl).toBe("*.den.localhost:3000");
    expect(loadServerConfig({}, { DEN_WILDCARD_ACCESS_URL: "*.apps.example.com" }).wildcardAccessUrl).toBe("*.apps.example.com");
  });

  it.each(["den.localhost", "http://*.den.localhost", "*.den.localhost/apps", "*", "*.", "a.*.example.com"])("refuses the wildcard %j, naming the option", (value) => {
    expect(() => loadServerConfig({ wildcardAccessUrl: value }, {})).toThrow(/^--wildcard-access-url \(DEN_WILDCARD_ACCESS_URL\): must be a host pattern/);
  });

  it("reads the path app flags as booleans", () => {
    expect(loadServerConfig({}, { DEN_DISABLE_PATH_APPS: "true", DEN_DANGEROUS_ALLOW_PATH_APP_SHARING: "1" })).toMatchObject({
      disablePathApps: true,
      dangerousAllowPathAppSharing: true,
      dangerousAllowPathAppSiteOwnerAccess: false,
    });
  });
});
