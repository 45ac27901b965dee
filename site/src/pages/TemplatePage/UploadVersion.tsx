import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { versionLogsPath } from "../../../../src/sdk/client/templates.js";
import { MAX_TEMPLATE_ARCHIVE_BYTES, type Template, type TemplateVersion } from "../../../../src/sdk/schemas/templateApi.js";
import { isJobDone } from "../../../../src/sdk/schemas/provisionerJobs.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { useJobLogs } from "../../api/useJobLogs.ts";
import { LogView } from "../../components/LogView.tsx";
import { folderEntries, packTarArchive } from "../../modules/packTarArchive.ts";
import { ErrorBox } from "../../components/QueryState.tsx";

/**
 * Upload a template folder (packed here) or a .tar of it as a new version;
 * once its import succeeds it can be made the active version.
 */
export function UploadVersion({ template }: { template: Template }) {
  const client = useDenClient();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [folder, setFolder] = useState<File[]>([]);
  const [message, setMessage] = useState("");
  const [fileError, setFileError] = useState<string>();
  const upload = useMutation({
    mutationFn: async (archive: Uint8Array) => {
      const uploaded = await client.templates.uploadFile(archive);
      return client.templates.createVersion({ file_id: uploaded.id, template_id: template.id, message: message || undefined });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["template-versions", template.id] }),
  });
  const version = useQuery<TemplateVersion>({
    queryKey: ["templateversion", upload.data?.id],
    queryFn: () => client.templates.getVersion(upload.data!.id),
    enabled: !!upload.data,
    refetchInterval: (q) => (q.state.data && isJobDone(q.state.data.job.status) ? false : 1000),
  });
  const { logs } = useJobLogs(upload.data ? versionLogsPath(upload.data.id) : undefined);
  const promote = useMutation({
    mutationFn: (id: string) => client.templates.promote(template.id, id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["template", template.name] });
      await queryClient.invalidateQueries({ queryKey: ["template-versions", template.id] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void (async () => {
      let archive: Uint8Array;
      if (folder.length > 0) {
        const entries = await folderEntries(folder);
        if (!entries.some((entry) => entry.path === "den.yaml")) return setFileError("The folder has no den.yaml at its top.");
        try {
          archive = packTarArchive(entries);
        } catch (err) {
          return setFileError((err as Error).message);
        }
      } else if (file) {
        archive = new Uint8Array(await file.arrayBuffer());
      } else {
        return setFileError("Choose the template folder or a .tar archive of it.");
      }
      if (archive.length > MAX_TEMPLATE_ARCHIVE_BYTES) return setFileError(`The archive is larger than ${MAX_TEMPLATE_ARCHIVE_BYTES / 1024 / 1024} MiB.`);
      setFileError(undefined);
      upload.mutate(archive);
    })();
  };
  const status = version.data?.job.status;
  return (
    <form onSubmit={submit} className="upload">
      <h3>Upload a new version</h3>
      <div className="field">
        <label htmlFor="version-archive">Template archive (.tar)</label>
        <input id="version-archive" type="file" accept=".tar,application/x-tar" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      <div className="field">
        <label htmlFor="version-folder">…or the template folder</label>
        {/* webkitdirectory is not in React's types; every current browser supports it. */}
        <input id="version-folder" type="file" multiple ref={(el) => el?.setAttribute("webkitdirectory", "")} onChange={(e) => setFolder([...(e.target.files ?? [])])} />
      </div>
      <div className="field">
        <label htmlFor="version-message">Message</label>
        <input id="version-message" value={message} onChange={(e) => setMessage(e.target.value)} />
      </div>
      {fileError ? <p className="field-error" role="alert">{fileError}</p> : null}
      {upload.isError ? <ErrorBox error={upload.error} /> : null}
      <button type="submit" disabled={upload.isPending}>
        {upload.isPending ? "Uploading…" : "Upload"}
      </button>
      {upload.data ? (
        <div>
          <p>
            Version {upload.data.name}: import {status ?? "pending"}
            {version.data?.job.error ? <span className="error"> {version.data.job.error}</span> : null}
          </p>
          <LogView logs={logs} label="Import log" />
          {status === "succeeded" ? (
            <button type="button" className="primary" disabled={promote.isPending || promote.isSuccess} onClick={() => promote.mutate(upload.data.id)}>
              {promote.isSuccess ? "Active" : "Make it the active version"}
            </button>
          ) : null}
          {promote.isError ? <ErrorBox error={promote.error} /> : null}
        </div>
      ) : null}
    </form>
  );
}
