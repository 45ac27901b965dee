/** The slice of a pino logger the SSH server uses; the caller passes a child logger. */
export type SshLog = {
  debug(o: object, msg: string): void;
  warn(o: object, msg: string): void;
};

/** For callers that pass no logger. */
export const silentSshLog: SshLog = {
  debug: () => undefined,
  warn: () => undefined,
};
