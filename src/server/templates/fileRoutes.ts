import { z } from "zod";
import { MAX_TEMPLATE_ARCHIVE_BYTES, TEMPLATE_ARCHIVE_TYPE, UploadFileResponse } from "../../sdk/schemas/templateApi.js";
import { Uuid } from "../../sdk/schemas/common.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { FileService } from "./fileService.js";

const FileParams = z.object({ id: Uuid }).strict();

export function fileRoutes(files: FileService): RouteSpec[] {
  return [
    defineRoute({
      method: "POST",
      url: "/files",
      summary: `Upload a template archive (${TEMPLATE_ARCHIVE_TYPE}, at most ${MAX_TEMPLATE_ARCHIVE_BYTES / 1024 / 1024} MiB). Content-addressed: the same bytes give the same id.`,
      tags: ["files"],
      auth: "user",
      bodyLimit: MAX_TEMPLATE_ARCHIVE_BYTES,
      rawBodyTypes: [TEMPLATE_ARCHIVE_TYPE, "application/octet-stream"],
      response: UploadFileResponse,
      handler: async ({ actor, req }) => {
        const { hash, id } = await files.upload(actor!, req.body);
        return { hash, id };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/files/:id",
      summary: "Download an uploaded template archive.",
      tags: ["files"],
      auth: "user",
      params: FileParams,
      handler: async ({ actor, params, reply }) => {
        const file = await files.download(actor!, params.id);
        return reply.type(file.mimetype).header("etag", `"${file.hash}"`).send(file.data);
      },
    }),
  ];
}
