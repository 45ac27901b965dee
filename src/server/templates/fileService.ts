import { createHash } from "node:crypto";
import { MAX_TEMPLATE_ARCHIVE_BYTES, TEMPLATE_ARCHIVE_TYPE, type UploadFileResponse } from "../../sdk/schemas/templateApi.js";
import type { Actor } from "../auth/actor.js";
import { authorize, can } from "../auth/policy.js";
import type { Database } from "../db/database.js";
import { InputError, NotFoundError } from "../errors.js";
import { getFileById, insertFileOrGetExisting, isFileOfVisibleTemplate } from "./fileQueries.js";

const NOUN = "File";

/**
 * Uploaded template archives, stored content-addressed: the same bytes give
 * the same file, so pushing an unchanged folder stores nothing new.
 */
export class FileService {
  constructor(private readonly db: Database) {}

  async upload(actor: Actor, body: unknown): Promise<UploadFileResponse & { created: boolean }> {
    authorize(actor, "create", { type: "file" }, NOUN);
    if (!Buffer.isBuffer(body)) {
      throw InputError.field("body", `must be a tar archive sent with Content-Type ${TEMPLATE_ARCHIVE_TYPE}`);
    }
    if (body.length === 0) throw InputError.field("body", "is empty: send the tar archive of the template folder");
    // Fastify enforces the route's body limit already; this guards a route registered without it.
    if (body.length > MAX_TEMPLATE_ARCHIVE_BYTES) throw InputError.field("body", `is larger than the limit of ${MAX_TEMPLATE_ARCHIVE_BYTES} bytes`);
    const hash = createHash("sha256").update(body).digest("hex");
    const { id, created } = await insertFileOrGetExisting(this.db, { hash, mimetype: TEMPLATE_ARCHIVE_TYPE, data: body, createdBy: actor.userId });
    return { hash, id, created };
  }

  /**
   * Template admins read every file; everyone else only the archives of
   * templates they can see. Any other file answers like a missing one.
   */
  async download(actor: Actor, id: string): Promise<{ data: Buffer; mimetype: string; hash: string }> {
    const file = await getFileById(this.db, id);
    if (!file) throw new NotFoundError(NOUN);
    if (!can(actor, "read", { type: "file" }) && !(await isFileOfVisibleTemplate(this.db, id))) throw new NotFoundError(NOUN);
    return { data: file.data, mimetype: file.mimetype, hash: file.hash };
  }
}
