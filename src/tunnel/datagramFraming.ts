/**
 * UDP datagrams over a byte stream (a UDP port forward's relay): each one is
 * sent as a 2-byte big-endian length and its bytes, so that boundaries survive
 * the stream. A datagram is at most 65535 bytes, which the length covers.
 */
export function encodeDatagram(datagram: Uint8Array): Buffer {
  if (datagram.length > 0xffff) throw new RangeError(`a datagram of ${datagram.length} bytes is larger than UDP allows`);
  const frame = Buffer.allocUnsafe(2 + datagram.length);
  frame.writeUInt16BE(datagram.length, 0);
  frame.set(datagram, 2);
  return frame;
}

/** Cuts a byte stream back into the datagrams encodeDatagram framed. */
export class DatagramDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onDatagram: (datagram: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 2) {
      const length = this.pending.readUInt16BE(0);
      if (this.pending.length < 2 + length) break;
      this.onDatagram(this.pending.subarray(2, 2 + length));
      this.pending = this.pending.subarray(2 + length);
    }
  }
}
