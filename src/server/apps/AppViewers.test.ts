import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { ApiKeyCache } from "../auth/ApiKeyCache.js";
import { createAuthenticator } from "../auth/authenticate.js";
import { systemClock } from "../clock.js";
import { createFirstOwner, createTestUser, withToken, type TestUser } from "../users/testUsers.js";
import { AppTokenSigner } from "./appTokens.js";
import { AppViewers } from "./AppViewers.js";

describe("AppViewers.fromSession (path apps)", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let viewers: AppViewers;
  beforeAll(async () => {
    server = await createTestServer();
    const owner = await createFirstOwner(server.app);
    alice = await createTestUser(server.app, owner, "alice");
    bob = await createTestUser(server.app, owner, "bob");
    const authenticate = createAuthenticator(server.database.db, systemClock, new ApiKeyCache(systemClock));
    viewers = new AppViewers(server.database.db, systemClock, new AppTokenSigner(randomBytes(32)), authenticate);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("knows the session cookie's or header's user", async () => {
    expect(await viewers.fromSession({ cookie: `den_session_token=${alice.token}` })).toMatchObject({ userId: alice.id });
    expect(await viewers.fromSession(withToken(bob.token))).toMatchObject({ userId: bob.id });
  });

  it("counts conflicting session cookies as nobody (the visitor is sent to log in), whichever is valid", async () => {
    expect(await viewers.fromSession({ cookie: `den_session_token=${alice.token}; den_session_token=${bob.token}` })).toBeNull();
    expect(await viewers.fromSession({ cookie: `den_session_token=; den_session_token=${bob.token}` })).toBeNull();
    expect(await viewers.fromSession({ cookie: "den_session_token=" })).toBeNull();
  });
});
