export type ReadRequest = { kind: "read"; reqid: number; offset: number; length: number };
export type WriteRequest = { kind: "write"; reqid: number; offset: number; data: Buffer };
export type TaskRequest = { kind: "task"; run: () => Promise<void> };
export type HandleRequest = ReadRequest | WriteRequest | TaskRequest;

/** Performs a batch and sends every reply itself; a rejection here is a bug, not an I/O error. */
export type BatchHandlers = {
  read(batch: ReadRequest[]): Promise<void>;
  write(batch: WriteRequest[]): Promise<void>;
  bug(err: unknown): void;
};

/** How many bytes one coalesced read or write may span. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Runs the requests on one SFTP handle strictly in arrival order. Order
 * matters: OpenSSH's scp truncates a file when WRITE replies overtake each
 * other, and a CLOSE must not run before the writes sent ahead of it.
 *
 * For throughput, requests that wait behind a running one are coalesced: a
 * run of READs or WRITEs at adjacent offsets (what sftp and scp pipeline,
 * 64 × 32 KiB at a time) becomes one pread or pwritev, with the replies still
 * sent one per request, in order.
 */
export class HandleQueue {
  readonly #pending: HandleRequest[] = [];
  readonly #handlers: BatchHandlers;
  #running = false;

  constructor(handlers: BatchHandlers) {
    this.#handlers = handlers;
  }

  push(request: HandleRequest): void {
    this.#pending.push(request);
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#pending.length > 0) {
      const first = this.#pending[0] as HandleRequest;
      try {
        if (first.kind === "task") {
          this.#pending.shift();
          await first.run();
        } else if (first.kind === "read") {
          await this.#handlers.read(this.#takeRun(first, (r) => r.length));
        } else {
          await this.#handlers.write(this.#takeRun(first, (w) => w.data.length));
        }
      } catch (err) {
        this.#handlers.bug(err);
      }
    }
    this.#running = false;
  }

  /** Takes `first` and the requests of its kind that continue it without a gap. */
  #takeRun<T extends ReadRequest | WriteRequest>(first: T, size: (request: T) => number): T[] {
    const run: T[] = [];
    let end = first.offset;
    let bytes = 0;
    while (this.#pending.length > 0) {
      const next = this.#pending[0] as HandleRequest;
      if (next.kind !== first.kind) break;
      const request = next as T;
      if (run.length > 0 && (request.offset !== end || bytes + size(request) > MAX_BATCH_BYTES)) break;
      this.#pending.shift();
      run.push(request);
      end = request.offset + size(request);
      bytes += size(request);
    }
    return run;
  }
}
