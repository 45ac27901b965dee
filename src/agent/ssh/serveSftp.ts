import { constants, type Dir } from "node:fs";
import { chmod, chown, link, lstat, mkdir, open, opendir, readlink, realpath, rename, rmdir, stat, symlink, truncate, unlink, utimes, type FileHandle } from "node:fs/promises";
import { join, resolve } from "node:path";
import ssh2, { type Attributes, type SFTPWrapper } from "ssh2";
import { HandleQueue, type ReadRequest, type WriteRequest } from "./HandleQueue.js";
import { sftpAttrs, sftpLongname } from "./sftpAttrs.js";
import { sftpErrorStatus } from "./sftpErrorStatus.js";
import type { SshLog } from "./SshLog.js";

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

/** OpenSSH clients accept packets up to 256 KiB; a READ answer stays below that with room for its header. */
const MAX_READ_LENGTH = 255 * 1024;
/** Beyond this a client is leaking handles; sftp-server's limit is similar. */
const MAX_HANDLES = 1024;
/** Directory entries per READDIR answer, each with an lstat done in parallel. */
const READDIR_BATCH = 128;

type FileEntry = { kind: "file"; file: FileHandle; queue: HandleQueue };
type DirEntry = { kind: "dir"; dir: Dir; path: string; queue: HandleQueue };
type Handle = FileEntry | DirEntry;

/** Maps SFTP open flags (pflags) to open(2) flags. */
export function openFlags(pflags: number): number {
  const read = (pflags & OPEN_MODE.READ) !== 0;
  const write = (pflags & OPEN_MODE.WRITE) !== 0;
  let flags = read && write ? constants.O_RDWR : write ? constants.O_WRONLY : constants.O_RDONLY;
  if (pflags & OPEN_MODE.APPEND) flags |= constants.O_APPEND;
  if (pflags & OPEN_MODE.CREAT) flags |= constants.O_CREAT;
  if (pflags & OPEN_MODE.TRUNC) flags |= constants.O_TRUNC;
  if (pflags & OPEN_MODE.EXCL) flags |= constants.O_EXCL;
  return flags;
}

/**
 * The `sftp` subsystem on ssh2's server-side SFTP events, backed by the real
 * filesystem with the agent user's rights. Relative paths start at `home`,
 * as with sftp-server. Every filesystem call is asynchronous; requests on one
 * handle are queued in order (see HandleQueue), requests on paths run as
 * they come.
 */
export function serveSftp(sftp: SFTPWrapper, home: string, log: SshLog): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const at = (path: string) => resolve(home, path === "" ? "." : path);
  const ok = (reqid: number) => sftp.status(reqid, STATUS_CODE.OK);
  const fail = (reqid: number, err: unknown) => {
    const status = sftpErrorStatus(err);
    sftp.status(reqid, status.code, status.message);
  };
  /** Runs a request's work and answers its failure; success answers are the work's own. */
  const serve = (reqid: number, work: () => Promise<void>) => {
    work().catch((err: unknown) => fail(reqid, err));
  };
  const bug = (err: unknown) => log.warn({ err }, "sftp request handling failed");
  const newHandle = (reqid: number, entry: Handle) => {
    const id = nextHandle++;
    handles.set(id, entry);
    const handle = Buffer.alloc(4);
    handle.writeUInt32BE(id >>> 0);
    sftp.handle(reqid, handle);
  };
  const lookup = (reqid: number, handle: Buffer): Handle | undefined => {
    const entry = handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined;
    if (entry === undefined) sftp.status(reqid, STATUS_CODE.FAILURE, "Invalid handle");
    return entry;
  };
  const tooMany = (reqid: number) => {
    if (handles.size < MAX_HANDLES) return false;
    sftp.status(reqid, STATUS_CODE.FAILURE, "Too many open handles");
    return true;
  };

  const fileQueue = (file: FileHandle) =>
    new HandleQueue({
      read: (batch) => readBatch(sftp, file, batch, fail),
      write: (batch) => writeBatch(sftp, file, batch, fail),
      bug,
    });

  sftp.on("OPEN", (reqid, filename, pflags, attrs) => {
    if (tooMany(reqid)) return;
    serve(reqid, async () => {
      const mode = typeof attrs.mode === "number" ? attrs.mode & 0o7777 : 0o666;
      const file = await open(at(filename), openFlags(pflags), mode);
      newHandle(reqid, { kind: "file", file, queue: fileQueue(file) });
    });
  });
  sftp.on("READ", (reqid, handle, offset, length) => {
    const entry = lookup(reqid, handle);
    if (entry?.kind === "file") entry.queue.push({ kind: "read", reqid, offset, length: Math.min(length, MAX_READ_LENGTH) });
    else if (entry) sftp.status(reqid, STATUS_CODE.FAILURE, "Not a file handle");
  });
  sftp.on("WRITE", (reqid, handle, offset, data) => {
    const entry = lookup(reqid, handle);
    // A copy: the request may wait in the queue, and ssh2 hands out views of its packet buffers.
    if (entry?.kind === "file") entry.queue.push({ kind: "write", reqid, offset, data: Buffer.from(data) });
    else if (entry) sftp.status(reqid, STATUS_CODE.FAILURE, "Not a file handle");
  });
  sftp.on("FSTAT", (reqid, handle) => {
    const entry = lookup(reqid, handle);
    if (entry === undefined) return;
    entry.queue.push({
      kind: "task",
      run: async () => {
        const stats = await (entry.kind === "file" ? entry.file.stat() : stat(entry.path)).catch((err: unknown) => fail(reqid, err));
        if (stats) sftp.attrs(reqid, sftpAttrs(stats));
      },
    });
  });
  sftp.on("FSETSTAT", (reqid, handle, attrs) => {
    const entry = lookup(reqid, handle);
    if (entry === undefined) return;
    entry.queue.push({
      kind: "task",
      run: () => (entry.kind === "file" ? applyAttrs(entry.file, attrs) : applyPathAttrs(entry.path, attrs)).then(() => ok(reqid), (err: unknown) => fail(reqid, err)),
    });
  });
  sftp.on("CLOSE", (reqid, handle) => {
    const entry = lookup(reqid, handle);
    if (entry === undefined) return;
    handles.delete(handle.readUInt32BE(0));
    entry.queue.push({
      kind: "task",
      run: () => closeEntry(entry).then(() => ok(reqid), (err: unknown) => fail(reqid, err)),
    });
  });
  sftp.on("OPENDIR", (reqid, path) => {
    if (tooMany(reqid)) return;
    serve(reqid, async () => {
      const full = at(path);
      const dir = await opendir(full);
      newHandle(reqid, { kind: "dir", dir, path: full, queue: new HandleQueue({ read: noBatch, write: noBatch, bug }) });
    });
  });
  sftp.on("READDIR", (reqid, handle) => {
    const entry = lookup(reqid, handle);
    if (entry === undefined) return;
    if (entry.kind !== "dir") {
      sftp.status(reqid, STATUS_CODE.FAILURE, "Not a directory handle");
      return;
    }
    entry.queue.push({ kind: "task", run: () => readDirBatch(sftp, reqid, entry).catch((err: unknown) => fail(reqid, err)) });
  });
  sftp.on("LSTAT", (reqid, path) => serve(reqid, async () => sftp.attrs(reqid, sftpAttrs(await lstat(at(path))))));
  sftp.on("STAT", (reqid, path) => serve(reqid, async () => sftp.attrs(reqid, sftpAttrs(await stat(at(path))))));
  /** Path requests whose success answer is a plain OK. */
  const serveOk = (reqid: number, work: () => Promise<unknown>) => serve(reqid, () => work().then(() => ok(reqid)));
  sftp.on("SETSTAT", (reqid, path, attrs) => serveOk(reqid, () => applyPathAttrs(at(path), attrs)));
  sftp.on("REMOVE", (reqid, path) => serveOk(reqid, () => unlink(at(path))));
  sftp.on("RMDIR", (reqid, path) => serveOk(reqid, () => rmdir(at(path))));
  sftp.on("MKDIR", (reqid, path, attrs) => serveOk(reqid, () => mkdir(at(path), { mode: typeof attrs.mode === "number" ? attrs.mode & 0o7777 : 0o777 })));
  sftp.on("RENAME", (reqid, oldPath, newPath) => serveOk(reqid, () => renameNoReplace(at(oldPath), at(newPath))));
  sftp.on("READLINK", (reqid, path) =>
    serve(reqid, async () => {
      const target = await readlink(at(path));
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    }),
  );
  // ssh2 already swaps OpenSSH's reversed SYMLINK arguments; what arrives is (link path, target).
  sftp.on("SYMLINK", (reqid, linkPath, targetPath) => serveOk(reqid, () => symlink(targetPath, at(linkPath))));
  sftp.on("REALPATH", (reqid, path) =>
    serve(reqid, async () => {
      const full = at(path);
      // Like sftp-server, a path that does not exist (yet) still canonicalises.
      const real = await realpath(full).catch(() => full);
      sftp.name(reqid, [{ filename: real, longname: real, attrs: {} as Attributes }]);
    }),
  );

  // The client ended the subsystem (EOF): answer like sftp-server exiting —
  // exit-status 0, then close. Without exit-status OpenSSH's scp waits or fails.
  sftp.on("end", () => {
    const internals = sftp as unknown as { outgoing: { id: number; state: string }; _protocol: { exitStatus(id: number, status: number): void } };
    if (internals.outgoing.state === "open") internals._protocol.exitStatus(internals.outgoing.id, 0);
    sftp.end();
  });
  sftp.on("close", () => {
    for (const entry of handles.values()) entry.queue.push({ kind: "task", run: () => closeEntry(entry).catch(bug) });
    handles.clear();
  });
}

function noBatch(): Promise<void> {
  return Promise.reject(new Error("a directory handle got a file request"));
}

async function closeEntry(entry: Handle): Promise<void> {
  if (entry.kind === "file") await entry.file.close();
  else await entry.dir.close();
}

/** One pread for a run of adjacent READs, then one DATA (or EOF) answer per request. */
async function readBatch(sftp: SFTPWrapper, file: FileHandle, batch: ReadRequest[], fail: (reqid: number, err: unknown) => void): Promise<void> {
  const first = batch[0] as ReadRequest;
  const last = batch[batch.length - 1] as ReadRequest;
  const total = last.offset + last.length - first.offset;
  const buffer = Buffer.allocUnsafe(total);
  let got = 0;
  let error: unknown;
  try {
    while (got < total) {
      const { bytesRead } = await file.read(buffer, got, total - got, first.offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  } catch (err) {
    error = err;
  }
  for (const request of batch) {
    const start = request.offset - first.offset;
    if (start < got) sftp.data(request.reqid, buffer.subarray(start, Math.min(start + request.length, got)));
    else if (error !== undefined) fail(request.reqid, error);
    else sftp.status(request.reqid, STATUS_CODE.EOF);
  }
}

/** One pwritev for a run of adjacent WRITEs, then one status per request, in order. */
async function writeBatch(sftp: SFTPWrapper, file: FileHandle, batch: WriteRequest[], fail: (reqid: number, err: unknown) => void): Promise<void> {
  const first = batch[0] as WriteRequest;
  const buffers = batch.map((w) => w.data);
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  try {
    let written = (await file.writev(buffers, first.offset)).bytesWritten;
    // A short write is rare on regular files; the rest goes from one joined buffer.
    if (written < total) {
      const all = Buffer.concat(buffers);
      while (written < total) written += (await file.write(all, written, total - written, first.offset + written)).bytesWritten;
    }
  } catch (err) {
    for (const request of batch) fail(request.reqid, err);
    return;
  }
  for (const request of batch) sftp.status(request.reqid, STATUS_CODE.OK);
}

async function readDirBatch(sftp: SFTPWrapper, reqid: number, entry: DirEntry): Promise<void> {
  const names: string[] = [];
  for (let dirent = await entry.dir.read(); dirent !== null; dirent = await entry.dir.read()) {
    names.push(dirent.name);
    if (names.length >= READDIR_BATCH) break;
  }
  if (names.length === 0) {
    sftp.status(reqid, STATUS_CODE.EOF);
    return;
  }
  const now = Date.now();
  const listed = await Promise.all(names.map((name) => lstat(join(entry.path, name)).then((stats) => ({ name, stats }), () => undefined)));
  // An entry removed between readdir and lstat is left out, as ls would.
  const entries = listed.filter((e) => e !== undefined).map(({ name, stats }) => ({ filename: name, longname: sftpLongname(name, stats, now), attrs: sftpAttrs(stats) }));
  if (entries.length === 0) return readDirBatch(sftp, reqid, entry);
  sftp.name(reqid, entries);
}

type AttrTarget = {
  truncate(size: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  utimes(atime: number, mtime: number): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
};

/** SETSTAT in sftp-server's order: size, permissions, times, owner. */
async function applyAttrs(target: AttrTarget, attrs: Attributes): Promise<void> {
  if (typeof attrs.size === "number") await target.truncate(attrs.size);
  if (typeof attrs.mode === "number") await target.chmod(attrs.mode & 0o7777);
  if (typeof attrs.atime === "number" && typeof attrs.mtime === "number") await target.utimes(attrs.atime, attrs.mtime);
  if (typeof attrs.uid === "number" && typeof attrs.gid === "number") await target.chown(attrs.uid, attrs.gid);
}

function applyPathAttrs(path: string, attrs: Attributes): Promise<void> {
  return applyAttrs(
    {
      truncate: (size) => truncate(path, size),
      chmod: (mode) => chmod(path, mode),
      utimes: (atime, mtime) => utimes(path, atime, mtime),
      chown: (uid, gid) => chown(path, uid, gid),
    },
    attrs,
  );
}

/**
 * SFTP v3 RENAME must not replace an existing target. Like sftp-server, a
 * file is renamed with link() + unlink(), which fails atomically on EEXIST;
 * where hard links do not work (directories, some filesystems) a check then
 * rename() has to do.
 */
async function renameNoReplace(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
    await unlink(from);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw Object.assign(new Error("File exists"), { code: "EEXIST" });
    if (code !== "EPERM" && code !== "EXDEV" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw err;
  }
  const exists = await lstat(to).then(
    () => true,
    () => false,
  );
  if (exists) throw Object.assign(new Error("File exists"), { code: "EEXIST" });
  await rename(from, to);
}
