// BATCH (spec/PROTOCOL.md §2.4.8, capability tunely/2+batch): several protocol-2
// frames in one WebSocket message.
//   u8 type 0x09 | u8 flags 0 | u32 stream 0 | { u32 length | frame } × n, n ≥ 1, never nested
import { v2FrameHeaderSize } from './limits.js';

export const batchType = 0x09;

export function isBatch(message: Uint8Array): boolean {
  return message.length > 0 && message[0] === batchType;
}

// The inner frames in order, or null when the batch is malformed (then the whole message is dropped).
export function splitBatch(message: Uint8Array): Uint8Array[] | null {
  if (message.length < v2FrameHeaderSize || !isBatch(message)) return null;
  for (let i = 1; i < v2FrameHeaderSize; i++) if (message[i] !== 0) return null;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const frames: Uint8Array[] = [];
  let at = v2FrameHeaderSize;
  while (at < message.length) {
    if (message.length - at < 4) return null;
    const n = view.getUint32(at);
    at += 4;
    if (n < v2FrameHeaderSize || n > message.length - at) return null;
    const frame = message.subarray(at, at + n);
    if (isBatch(frame)) return null;
    frames.push(frame);
    at += n;
  }
  return frames.length ? frames : null;
}

export function encodeBatch(frames: Uint8Array[]): Uint8Array {
  const total = v2FrameHeaderSize + frames.reduce((sum, f) => sum + 4 + f.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = batchType;
  let at = v2FrameHeaderSize;
  for (const f of frames) {
    view.setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

// Bytes a frame of `size` bytes adds to a batch.
export const batchCost = (size: number) => 4 + size;
