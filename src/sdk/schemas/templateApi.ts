import { z } from "zod";
import { NameLabel, Timestamp, Uuid } from "./common.js";
import { ProvisionerJob } from "./provisionerJobs.js";

/**
 * Templates, their versions and uploaded files as the API sends and accepts
 * them. The den.yaml format itself lives in ./templates.ts and in the
 * provisioner.
 */

/** Largest template archive the server accepts; the CLI checks it before uploading. */
export const MAX_TEMPLATE_ARCHIVE_BYTES = 10 * 1024 * 1024;

/** The content type of uploaded template archives. */
export const TEMPLATE_ARCHIVE_TYPE = "application/x-tar";

export const TemplateName = NameLabel;

/** Version names are chosen by people ("v1.2", "fix-proxy") or generated ("brave-otter-3"). */
export const TemplateVersionName = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'");

const DisplayName = z.string().max(128, "must be at most 128 characters");
const Description = z.string().max(4096, "must be at most 4096 characters");
const Icon = z.string().max(1024, "must be at most 1024 characters");

export const UploadFileResponse = z.object({ hash: z.string(), id: Uuid });
export type UploadFileResponse = z.infer<typeof UploadFileResponse>;

export const Template = z.object({
  id: Uuid,
  organization_id: Uuid,
  name: z.string(),
  display_name: z.string(),
  description: z.string(),
  icon: z.string(),
  active_version_id: Uuid,
  active_version_name: z.string(),
  created_by_name: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Template = z.infer<typeof Template>;

export const TemplateVersion = z.object({
  id: Uuid,
  /** Null until the version is used to create a template. */
  template_id: Uuid.nullable(),
  organization_id: Uuid,
  name: z.string(),
  message: z.string(),
  /** The uploaded archive (GET /files/{file_id}). */
  file_id: Uuid,
  created_at: Timestamp,
  created_by_name: z.string(),
  /** The import job: parameters and resources are known once it has succeeded. */
  job: ProvisionerJob,
  readme: z.string(),
});
export type TemplateVersion = z.infer<typeof TemplateVersion>;

export const CreateTemplateVersionRequest = z
  .object({
    file_id: Uuid,
    /** The template this version is for; absent for the first version of a new template. */
    template_id: Uuid.optional(),
    /** Default: a random readable name such as "brave-otter-3". */
    name: TemplateVersionName.optional(),
    message: z.string().max(1024, "must be at most 1024 characters").optional(),
  })
  .strict();
export type CreateTemplateVersionRequest = z.infer<typeof CreateTemplateVersionRequest>;

export const CreateTemplateRequest = z
  .object({
    name: TemplateName,
    /** Display name, description and icon default to those in the version's den.yaml. */
    display_name: DisplayName.optional(),
    description: Description.optional(),
    icon: Icon.optional(),
    /** A version whose import succeeded and that belongs to no template yet; it becomes the active one. */
    version_id: Uuid,
  })
  .strict();
export type CreateTemplateRequest = z.infer<typeof CreateTemplateRequest>;

export const UpdateTemplateRequest = z
  .object({ display_name: DisplayName.optional(), description: Description.optional(), icon: Icon.optional() })
  .strict();
export type UpdateTemplateRequest = z.infer<typeof UpdateTemplateRequest>;

/** Makes a succeeded version of the template its active one. */
export const PromoteTemplateVersionRequest = z.object({ id: Uuid }).strict();
export type PromoteTemplateVersionRequest = z.infer<typeof PromoteTemplateVersionRequest>;

export const TemplateVersionResource = z.object({
  name: z.string(),
  driver: z.string(),
  kind: z.string(),
  lifetime: z.enum(["persistent", "ephemeral"]),
});
export type TemplateVersionResource = z.infer<typeof TemplateVersionResource>;

export const TemplateVersionAgent = z.object({ name: z.string(), resource: z.string() });
export type TemplateVersionAgent = z.infer<typeof TemplateVersionAgent>;

export const TemplateVersionResources = z.object({
  resources: z.array(TemplateVersionResource),
  agents: z.array(TemplateVersionAgent),
});
export type TemplateVersionResources = z.infer<typeof TemplateVersionResources>;
