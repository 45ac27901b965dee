import { createHash, randomBytes } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite } from "../../../test/support/prerequisites.js";
import { modeString } from "./sftpAttrs.js";
import { sftpErrorStatus } from "./sftpErrorStatus.js";
import { openFlags } from "./serveSftp.js";
import { startTestSshHost, TEST_HOST, type TestSshHost } from "./startTestSshHost.js";

const hasSsh = requirePrerequisite("ssh, scp, sftp (openssh-client)", hasCommand("ssh") && hasCommand("scp") && hasCommand("sftp"), "apt-get install openssh-client");
// rsync must run on both ends; here both ends are this machine. Under CI=true its absence fails the file.
const hasRsync = requirePrerequisite("rsync", hasCommand("rsync"), "apt-get install rsync");

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** A 50 MiB file of random bytes, written in 1 MiB pieces. */
async function writeRandomFile(path: string, mebibytes: number): Promise<void> {
  await writeFile(path, "");
  for (let i = 0; i < mebibytes; i++) await writeFile(path, randomBytes(1024 * 1024), { flag: "a" });
}

describe("SFTP status and flags", () => {
  it("maps errno codes like sftp-server", () => {
    expect(sftpErrorStatus(Object.assign(new Error("x"), { code: "ENOENT" })).code).toBe(2);
    expect(sftpErrorStatus(Object.assign(new Error("x"), { code: "ENOTDIR" })).code).toBe(2);
    expect(sftpErrorStatus(Object.assign(new Error("x"), { code: "EACCES" })).code).toBe(3);
    expect(sftpErrorStatus(Object.assign(new Error("x"), { code: "EPERM" })).code).toBe(3);
    expect(sftpErrorStatus(Object.assign(new Error("disk full"), { code: "ENOSPC" }))).toEqual({ code: 4, message: "disk full" });
  });

  it("maps SFTP open flags to open(2) flags", () => {
    expect(openFlags(0x01)).toBe(constants.O_RDONLY);
    expect(openFlags(0x02 | 0x08 | 0x10)).toBe(constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    expect(openFlags(0x01 | 0x02 | 0x04)).toBe(constants.O_RDWR | constants.O_APPEND);
    expect(openFlags(0x02 | 0x08 | 0x20)).toBe(constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  });

  it("prints modes as ls -l does", () => {
    expect(modeString(0o040755)).toBe("drwxr-xr-x");
    expect(modeString(0o100644)).toBe("-rw-r--r--");
    expect(modeString(0o104750)).toBe("-rwsr-x---");
    expect(modeString(0o041777)).toBe("drwxrwxrwt");
    expect(modeString(0o120777)).toBe("lrwxrwxrwx");
  });
});

describe.runIf(hasSsh)("SFTP and scp against OpenSSH", () => {
  let host: TestSshHost;
  let source: string;
  let sourceHash: string;
  beforeAll(async () => {
    host = await startTestSshHost();
    source = join(host.local, "random.bin");
    await writeRandomFile(source, 50);
    sourceHash = await sha256(source);
  });
  afterAll(() => host.close());

  const scp = (args: string[]) => host.run("scp", ["-F", host.configPath, ...args]);

  it("copies 50 MiB up and down with scp (SFTP protocol) intact", async () => {
    expect(await scp(["random.bin", `${TEST_HOST}:sftp-up.bin`])).toMatchObject({ code: 0, stderr: "" });
    expect(await sha256(join(host.home, "sftp-up.bin"))).toBe(sourceHash);
    expect(await scp([`${TEST_HOST}:sftp-up.bin`, "sftp-down.bin"])).toMatchObject({ code: 0, stderr: "" });
    expect(await sha256(join(host.local, "sftp-down.bin"))).toBe(sourceHash);
  });

  it("copies with scp -O (legacy protocol through exec) intact", async () => {
    expect(await scp(["-O", "random.bin", `${TEST_HOST}:legacy-up.bin`])).toMatchObject({ code: 0, stderr: "" });
    expect(await sha256(join(host.home, "legacy-up.bin"))).toBe(sourceHash);
    expect(await scp(["-O", `${TEST_HOST}:legacy-up.bin`, "legacy-down.bin"])).toMatchObject({ code: 0, stderr: "" });
    expect(await sha256(join(host.local, "legacy-down.bin"))).toBe(sourceHash);
  });

  it("copies a directory tree recursively and keeps modes and times with -p", async () => {
    await mkdir(join(host.local, "tree", "sub"), { recursive: true });
    await writeFile(join(host.local, "tree", "a.txt"), "alpha\n", { mode: 0o640 });
    await writeFile(join(host.local, "tree", "sub", "b.txt"), "beta\n");
    expect(await scp(["-rp", "tree", `${TEST_HOST}:copied`])).toMatchObject({ code: 0, stderr: "" });
    expect(await readFile(join(host.home, "copied", "sub", "b.txt"), "utf8")).toBe("beta\n");
    const [here, there] = await Promise.all([lstat(join(host.local, "tree", "a.txt")), lstat(join(host.home, "copied", "a.txt"))]);
    expect(there.mode & 0o777).toBe(0o640);
    expect(Math.floor(there.mtimeMs / 1000)).toBe(Math.floor(here.mtimeMs / 1000));
  });

  it("runs an sftp batch: mkdir, put, ls, rename, symlink, rm, rmdir", async () => {
    await writeFile(join(host.local, "note.txt"), "hello sftp\n");
    const batch = [
      "mkdir box",
      "put note.txt box/note.txt",
      "ls -l box",
      "rename box/note.txt box/renamed.txt",
      "symlink renamed.txt box/link.txt",
      "ls box",
      "get box/renamed.txt fetched.txt",
      "-get box/missing.txt",
    ].join("\n");
    const run = await host.run("sftp", ["-F", host.configPath, "-b", "-", TEST_HOST], { input: `${batch}\n` });
    expect(run.code).toBe(0);
    // The longname is laid out as ls -l prints it (the entry's name only, as sftp-server does).
    expect(run.stdout).toMatch(/\n-rw-\S{6} +1 +\d+ +\d+ +11 \w{3} [ \d]\d \d\d:\d\d note\.txt\n/);
    expect(run.stdout).toMatch(/box\/link\.txt\s+box\/renamed\.txt/);
    expect(run.stderr).toMatch(/missing\.txt.*not found/);
    expect(await readFile(join(host.local, "fetched.txt"), "utf8")).toBe("hello sftp\n");
    expect(await readlink(join(host.home, "box", "link.txt"))).toBe("renamed.txt");
    expect((await readdir(join(host.home, "box"))).sort()).toEqual(["link.txt", "renamed.txt"]);

    const cleanup = ["rename box/renamed.txt box/link.txt", "rm box/renamed.txt", "rm box/link.txt", "rmdir box"].join("\n");
    const second = await host.run("sftp", ["-F", host.configPath, "-b", "-", TEST_HOST], { input: `-${cleanup}\n` });
    // SFTP v3 RENAME must not replace an existing file: the first line fails (and is ignored), the rest clean up.
    expect(second.stderr).toMatch(/rename|Failure|exists/i);
    expect(second.code).toBe(0);
    await expect(lstat(join(host.home, "box"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("fails a batch with the clear message when a path does not exist", async () => {
    const run = await host.run("sftp", ["-F", host.configPath, "-b", "-", TEST_HOST], { input: "rmdir no-such-dir\n" });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/No such file/);
  });

  it.runIf(hasRsync)("syncs a small tree with rsync -e ssh", async () => {
    const tree = join(host.local, "rsync-src");
    await mkdir(join(tree, "deep", "er"), { recursive: true });
    await writeFile(join(tree, "top.txt"), "top\n");
    await writeFile(join(tree, "deep", "er", "leaf.bin"), randomBytes(300_000));
    const run = await host.run("rsync", ["-a", "-e", `ssh -F ${host.configPath}`, "rsync-src/", `${TEST_HOST}:rsync-dst/`]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(await readFile(join(host.home, "rsync-dst", "top.txt"), "utf8")).toBe("top\n");
    expect(await sha256(join(host.home, "rsync-dst", "deep", "er", "leaf.bin"))).toBe(await sha256(join(tree, "deep", "er", "leaf.bin")));
  });
});
