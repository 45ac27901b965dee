/**
 * Whether the workspace is ready for someone to log in: closed until the
 * first manifest has arrived and every start script with `blocks_login`
 * has ended (however it ended). SSH and PTY streams wait on it, so that a
 * developer does not land in a half-provisioned workspace.
 */
export class LoginGate {
  private opened = false;
  private reason = "the agent has not received its manifest yet";
  private readonly waiters = new Set<() => void>();

  get isOpen(): boolean {
    return this.opened;
  }

  /** Why the gate is still closed, for the message of a refused stream. */
  get waitingFor(): string {
    return this.reason;
  }

  setWaitingFor(reason: string): void {
    if (!this.opened) this.reason = reason;
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Resolves true once open, or false when `timeoutMs` passes first. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.opened) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }
}
