// A Buffer over the same bytes as `b` (no copy): `b` itself when it is one.
// The caller keeps the bytes' owner alive (a view pins its whole ArrayBuffer)
// and nobody may write them afterwards (ws hands each message out once, fresh).
export function bufferView(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
