import { useState } from "react";

/** A command in a read-only field with a Copy button (clipboard API, selecting the text as a fallback). */
export function CopyCommand({ label, command }: { label: string; command: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <label className="copy">
      <span>{label}</span>
      <input readOnly value={command} onFocus={(e) => e.currentTarget.select()} />
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(command).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </label>
  );
}
