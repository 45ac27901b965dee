import type { ApiError } from "../sdk/errors.js";

/**
 * The server's error as one line for people: its message, then the detail
 * and field errors that the message does not already say (servers often put
 * the first field error into the message too).
 */
export function describeApiError(err: ApiError, opts: { loginHint?: boolean } = {}): string {
  let text = err.body.message.trim();
  const extras = [
    ...(err.body.detail ? [{ text: err.body.detail, core: err.body.detail }] : []),
    ...(err.body.validations ?? []).map((v) => ({ text: `${v.field}: ${v.detail}`, core: v.detail })),
  ];
  for (const extra of extras) {
    if (!extra.core.trim() || text.includes(extra.core.trim())) continue;
    text += (/[.!?]$/.test(text) ? " " : ": ") + extra.text.trim();
  }
  if (err.status === 401 && opts.loginHint !== false) {
    // A rejected session is the one failure with an obvious next step (but not while logging in).
    text += (/[.!?]$/.test(text) ? "" : ".") + " Run `den login`.";
  }
  return text.replace(/\s*[\r\n]+\s*/g, " ");
}
