import { describe, expect, it } from "vitest";
import { HandleQueue, MAX_BATCH_BYTES, type HandleRequest, type ReadRequest, type WriteRequest } from "./HandleQueue.js";

function recordingQueue() {
  const batches: string[] = [];
  const bugs: unknown[] = [];
  const step = async (label: string) => {
    batches.push(label);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const queue = new HandleQueue({
    read: (batch: ReadRequest[]) => step(`read ${batch.map((r) => r.reqid).join(",")}`),
    write: (batch: WriteRequest[]) => step(`write ${batch.map((w) => w.reqid).join(",")}`),
    bug: (err) => bugs.push(err),
  });
  return {
    batches,
    bugs,
    push: (request: HandleRequest) => queue.push(request),
    /** Resolves when everything pushed so far has run: a task runs only after all before it. */
    settled: () => new Promise<void>((resolve) => queue.push({ kind: "task", run: async () => resolve() })),
  };
}

const read = (reqid: number, offset: number, length: number): ReadRequest => ({ kind: "read", reqid, offset, length });
const write = (reqid: number, offset: number, size: number): WriteRequest => ({ kind: "write", reqid, offset, data: Buffer.alloc(size) });

describe("HandleQueue", () => {
  it("keeps arrival order and coalesces adjacent reads and writes that wait behind a running request", async () => {
    const q = recordingQueue();
    q.push(read(1, 0, 10)); // starts at once, alone
    q.push(read(2, 10, 10));
    q.push(read(3, 20, 10));
    q.push(write(4, 0, 5));
    q.push(write(5, 5, 5));
    q.push(write(6, 100, 5)); // a gap: a new batch
    q.push({ kind: "task", run: () => Promise.resolve(void q.batches.push("task 7")).then(() => undefined) });
    q.push(read(8, 30, 10)); // adjacent to 3, but a write and a task came between
    q.push(read(9, 0, 10)); // not adjacent to 8
    await q.settled();
    expect(q.batches).toEqual(["read 1", "read 2,3", "write 4,5", "write 6", "task 7", "read 8", "read 9"]);
    expect(q.bugs).toEqual([]);
  });

  it("caps a coalesced batch at MAX_BATCH_BYTES", async () => {
    const q = recordingQueue();
    const size = MAX_BATCH_BYTES / 4;
    q.push(write(1, 0, size));
    for (let i = 1; i <= 6; i++) q.push(write(i + 1, i * size, size));
    await q.settled();
    expect(q.batches).toEqual(["write 1", "write 2,3,4,5", "write 6,7"]);
  });

  it("reports a failing batch as a bug and goes on with the next request", async () => {
    const bugs: unknown[] = [];
    const done: number[] = [];
    const queue = new HandleQueue({
      read: () => Promise.reject(new Error("broken handler")),
      write: (batch) => Promise.resolve(void done.push(...batch.map((w) => w.reqid))),
      bug: (err) => bugs.push(err),
    });
    const finished = new Promise<void>((resolve) => {
      queue.push(read(1, 0, 1));
      queue.push(write(2, 0, 1));
      queue.push({ kind: "task", run: async () => resolve() });
    });
    await finished;
    expect(done).toEqual([2]);
    expect(bugs).toMatchObject([{ message: "broken handler" }]);
  });
});
