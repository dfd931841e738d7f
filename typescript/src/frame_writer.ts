// The single writer of a session's WebSocket (both protocols). Protocol 2:
// without batching every frame is a message of its own; with it
// (tunely/2+batch negotiated) frames sent during one turn of the event loop
// leave together as BATCH messages, so a busy session writes once for many
// frames. Order is kept either way. Protocol 1.1 messages go out as text.
// A frame of batchBypass bytes or more (bulk DATA) never joins a batch: what
// is pending goes first, then the frame as a message of its own. Batching it
// would save one small message but copy the whole frame once more.
//
// sendData(): a DATA frame whose payload is never copied into a frame of ours.
// From batchBypass bytes on, the frame's 6-byte head and its payload leave as
// the two fragments of one WebSocket message (RFC 6455 §5.4: the receiver
// reassembles the message, the frame is the same). ws copies each payload
// once anyway, to mask it; a frame of our own would be a second copy.
//
// Backpressure: a server that stops reading makes the WebSocket's outgoing
// queue (ws.bufferedAmount) grow. Bulk senders (response DATA, 1.1
// stream_chunk) call whenWritable() before each message and so stop reading
// their target while the queue is above the high-water mark, as the C++
// client does (512 KiB, transport::connection::bulk_high_water).
import WebSocket from 'ws';

import { relayed } from './gc_pacer.js';
import { batchCost, encodeBatch } from './protocol/batch.js';
import { v2FrameHeaderSize, v2MaxFrameSize } from './protocol/limits.js';
import * as v2 from './protocol/v2.js';

export const sendHighWater = 512 * 1024;
export const batchBypass = 16 * 1024;

export class FrameWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private waiters: Array<() => void> = [];
  // Called when a message was handed to the socket: the queue shrank.
  private readonly written = (): void => this.wakeIfBelow();

  constructor(
    private readonly ws: WebSocket,
    private readonly batching: boolean,
    readonly highWater = sendHighWater,
  ) {
    ws.once('close', () => this.wakeAll());
  }

  // Bytes accepted but not yet written to the socket (batch in the making included).
  get queued(): number {
    return this.ws.bufferedAmount + this.pendingBytes;
  }

  // How many bulk senders wait for the queue to drain (diagnostics, tests).
  get waiting(): number {
    return this.waiters.length;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  // Resolves once the queue is at or below the high-water mark, or the
  // WebSocket is no longer open (senders then notice their stream is gone).
  async whenWritable(): Promise<void> {
    while (this.open && this.queued > this.highWater) await new Promise<void>((r) => this.waiters.push(r));
  }

  // One protocol-2 frame.
  send(frame: Uint8Array): void {
    if (!this.open) return;
    relayed(frame.length);
    if (!this.batching || frame.length >= batchBypass) {
      if (this.pending.length) this.flush();
      this.ws.send(frame, this.written);
      return;
    }
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  // One protocol-2 DATA frame (payload at most v2MaxDataPayload bytes), as send(v2.encode(…)) would send it.
  sendData(streamId: number, endStream: boolean, payload: Uint8Array): void {
    if (payload.length < batchBypass) return this.send(v2.encode({ type: 'data', streamId, endStream, bytes: payload }));
    if (!this.open) return;
    relayed(v2FrameHeaderSize + payload.length);
    if (this.pending.length) this.flush();
    this.ws.send(v2.dataHead(streamId, endStream), { binary: true, fin: false });
    this.ws.send(payload, { binary: true, fin: true }, this.written);
  }

  // One protocol-1.1 message.
  sendText(text: string): void {
    if (!this.open) return;
    relayed(text.length);
    this.ws.send(text, this.written);
  }

  // Sends what is queued, then closes the WebSocket.
  close(code: number, reason: string): void {
    this.flush();
    this.ws.close(code, reason);
  }

  private flush(): void {
    this.scheduled = false;
    const frames = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.open) return;
    let group: Uint8Array[] = [];
    let size = v2FrameHeaderSize;
    const emit = () => {
      if (group.length === 1) this.ws.send(group[0]!, this.written);
      else if (group.length > 1) this.ws.send(encodeBatch(group), this.written);
      group = [];
      size = v2FrameHeaderSize;
    };
    for (const f of frames) {
      if (group.length && size + batchCost(f.length) > v2MaxFrameSize) emit();
      group.push(f);
      size += batchCost(f.length);
    }
    emit();
  }

  private wakeIfBelow(): void {
    if (this.waiters.length && this.queued <= this.highWater) this.wakeAll();
  }

  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
