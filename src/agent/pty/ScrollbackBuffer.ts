/**
 * The last `capacity` bytes a PTY printed, replayed to a client that
 * reconnects. A fixed ring: appending never allocates, and a chatty
 * program cannot grow the agent's memory.
 */
export class ScrollbackBuffer {
  private readonly ring: Buffer;
  private start = 0;
  private length = 0;

  constructor(readonly capacity = 64 * 1024) {
    this.ring = Buffer.alloc(capacity);
  }

  get size(): number {
    return this.length;
  }

  append(data: Buffer): void {
    // Only the tail of an oversized chunk can survive.
    const chunk = data.length > this.capacity ? data.subarray(data.length - this.capacity) : data;
    const end = (this.start + this.length) % this.capacity;
    const first = Math.min(chunk.length, this.capacity - end);
    chunk.copy(this.ring, end, 0, first);
    chunk.copy(this.ring, 0, first);
    const overflow = Math.max(0, this.length + chunk.length - this.capacity);
    this.length = Math.min(this.capacity, this.length + chunk.length);
    this.start = (this.start + overflow) % this.capacity;
  }

  /** A copy of the buffered bytes, oldest first. */
  contents(): Buffer {
    const out = Buffer.alloc(this.length);
    const first = Math.min(this.length, this.capacity - this.start);
    this.ring.copy(out, 0, this.start, this.start + first);
    this.ring.copy(out, first, 0, this.length - first);
    return out;
  }
}
