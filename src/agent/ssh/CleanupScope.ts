/**
 * What one SSH connection must undo when it ends: processes, listeners,
 * sockets, temp dirs. Each piece registers its cleanup and removes it when it
 * ends by itself, so that a long connection does not accumulate entries and a
 * closed connection leaves nothing behind.
 */
export class CleanupScope {
  readonly #cleanups = new Set<() => void>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Registers `cleanup` (run at once if the scope is already closed); returns its removal. */
  add(cleanup: () => void): () => void {
    if (this.#closed) {
      cleanup();
      return () => undefined;
    }
    this.#cleanups.add(cleanup);
    return () => this.#cleanups.delete(cleanup);
  }

  /** Runs every cleanup once; an error in one does not stop the others. */
  close(onError: (err: unknown) => void): void {
    if (this.#closed) return;
    this.#closed = true;
    const cleanups = [...this.#cleanups];
    this.#cleanups.clear();
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch (err) {
        onError(err);
      }
    }
  }
}
