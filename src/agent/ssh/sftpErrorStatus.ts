import ssh2 from "ssh2";

const { STATUS_CODE } = ssh2.utils.sftp;

export type SftpStatus = { code: number; message: string };

/**
 * The SFTP status for a failed filesystem call, with the same errno mapping
 * as OpenSSH's sftp-server (errno_to_portable), so that clients print the
 * messages users know: "No such file or directory", "Permission denied".
 */
export function sftpErrorStatus(err: unknown): SftpStatus {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
    case "EBADF":
    case "ELOOP":
      return { code: STATUS_CODE.NO_SUCH_FILE, message: "No such file" };
    case "EPERM":
    case "EACCES":
    case "EFAULT":
      return { code: STATUS_CODE.PERMISSION_DENIED, message: "Permission denied" };
    case "ENAMETOOLONG":
    case "EINVAL":
      return { code: STATUS_CODE.BAD_MESSAGE, message: "Bad message" };
    case "ENOSYS":
      return { code: STATUS_CODE.OP_UNSUPPORTED, message: "Operation unsupported" };
    default:
      return { code: STATUS_CODE.FAILURE, message: err instanceof Error ? err.message : "Failure" };
  }
}
