// The single writer of a protocol-2 session's WebSocket. Without batching every
// frame is a message of its own; with it (tunely/2+batch negotiated) frames
// sent during one turn of the event loop leave together as BATCH messages, so
// a busy session writes once for many frames. Order is kept either way.
import type WebSocket from 'ws';

import { batchCost, encodeBatch } from './protocol/batch.js';
import { v2FrameHeaderSize, v2MaxFrameSize } from './protocol/limits.js';

export class FrameWriter {
  private pending: Uint8Array[] = [];
  private scheduled = false;

  constructor(private readonly ws: WebSocket, private readonly batching: boolean) {}

  send(frame: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (!this.batching) {
      this.ws.send(frame);
      return;
    }
    this.pending.push(frame);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const frames = this.pending;
    this.pending = [];
    if (this.ws.readyState !== this.ws.OPEN) return;
    let group: Uint8Array[] = [];
    let size = v2FrameHeaderSize;
    const emit = () => {
      if (group.length === 1) this.ws.send(group[0]!);
      else if (group.length > 1) this.ws.send(encodeBatch(group));
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
}
