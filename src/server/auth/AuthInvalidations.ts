import type { Logger } from "pino";
import type { PubSub } from "../pubsub/pubsub.js";
import type { ApiKeyCache } from "./ApiKeyCache.js";

/** The services that end keys or change users tell authentication through this. */
export type AuthInvalidator = {
  /** A session or token was deleted: it stops working at once, on every replica. */
  keyRevoked(keyId: string): Promise<void>;
  /** A user's status or roles changed, or some of their keys were deleted. */
  userChanged(userId: string): Promise<void>;
};

const CHANNEL = "den_auth_invalidations";

type Message = { key: string } | { user: string };

/**
 * Drops cached keys (ApiKeyCache) on every replica when what they say stops
 * being true. The replica that made the change drops its own entries before
 * it answers, so its very next request sees the change; the others drop
 * theirs when PostgreSQL delivers the notification, which it does as the
 * publishing statement commits. Callers publish after their change has
 * committed, so that no replica can read the old rows again once it has
 * heard of the change. After a lost pub/sub connection every entry is
 * dropped: an invalidation may have been missed.
 */
export class AuthInvalidations implements AuthInvalidator {
  constructor(
    private readonly pubsub: PubSub,
    private readonly cache: ApiKeyCache,
    private readonly log: Logger,
  ) {}

  /** Resolves once this replica listens, so that it misses nothing published afterwards. */
  async start(): Promise<void> {
    await this.pubsub.subscribe(CHANNEL, (payload) => this.receive(payload));
  }

  async keyRevoked(keyId: string): Promise<void> {
    this.cache.dropKey(keyId);
    await this.publish({ key: keyId });
  }

  async userChanged(userId: string): Promise<void> {
    this.cache.dropUser(userId);
    await this.publish({ user: userId });
  }

  private async publish(message: Message): Promise<void> {
    await this.pubsub.publish(CHANNEL, JSON.stringify(message));
  }

  private receive(payload: string): void {
    if (payload === "") {
      this.cache.clear();
      return;
    }
    let message: Partial<Record<"key" | "user", unknown>>;
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      message = {};
    }
    if (typeof message.key === "string") this.cache.dropKey(message.key);
    else if (typeof message.user === "string") this.cache.dropUser(message.user);
    else {
      // Another version of Den may say something we do not understand: forgetting everything is always safe.
      this.log.warn({ payload }, "unknown auth invalidation");
      this.cache.clear();
    }
  }
}
