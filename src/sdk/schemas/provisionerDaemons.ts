import { z } from "zod";

/**
 * The protocol between the server and external provisioner daemons
 * (`den provisioner start`). Authenticated by the pre-shared key in
 * Den-Provisioner-Key; the worker id in Den-Provisioner-Worker must match the
 * job's claim.
 */
export const PROVISIONER_KEY_HEADER = "Den-Provisioner-Key";
export const PROVISIONER_WORKER_HEADER = "Den-Provisioner-Worker";

export const ResourceStateWire = z.object({
  name: z.string(),
  driver: z.string(),
  kind: z.string(),
  lifetime: z.enum(["persistent", "ephemeral"]),
  outputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  data: z.record(z.string(), z.unknown()),
});

export const AcquireJobRequest = z.object({ worker_id: z.string().min(1).max(128) }).strict();

export const JobLogWire = z.object({
  level: z.enum(["debug", "info", "warn", "error"]),
  stage: z.string().max(256),
  output: z.string().max(8192),
  time: z.iso.datetime({ offset: true }),
});
export const AppendLogsRequest = z.object({ logs: z.array(JobLogWire).max(1000) }).strict();
export const RecordStateRequest = z.object({ state: z.array(ResourceStateWire).max(500) }).strict();
export const RegisterAgentsRequest = z
  .object({ agents: z.array(z.object({ name: z.string(), resource: z.string(), spec: z.record(z.string(), z.unknown()) })).max(100) })
  .strict();
export const CompleteImportRequest = z.object({ spec: z.unknown(), readme: z.string().max(1024 * 1024) }).strict();
export const FailJobRequest = z
  .object({ error: z.string().max(16384), canceled: z.boolean().optional(), state: z.array(ResourceStateWire).max(500).optional() })
  .strict();
export const JobIdParams = z.object({ id: z.uuid() });
