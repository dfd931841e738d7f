// Young-generation collections paced by the bytes a session relays.
//
// Why: every chunk relayed allocates buffers outside the JS heap (socket reads,
// WebSocket messages, ws's masked copy of each outgoing frame). They die at
// once but are only freed by a scavenge, and V8 starts one for their sake only
// once 32 MiB of them piled up (twice its default semi-space size, whatever
// the young generation's real size); bulk relaying makes little JS garbage, so
// nothing else triggers one sooner. A 256 MiB transfer thus kept up to 32 MiB
// of dead buffers resident, plus the allocator's slack. A scavenge every
// `everyBytes` relayed caps that pile. Measured (256 MiB through the CLI, peak
// VmHWM): no pacing ~93 MiB, 2 MiB ~65, 1 MiB ~63, 512 KiB ~61. A scavenge
// takes ~0.2 ms here (little survives): 512 of them add ~0.1 s of CPU to a
// 256 MiB transfer that takes ~1.2 s (download).
//
// Only the bytes of a message beyond its first paceFree (4 KiB) count: small
// exchanges make enough JS garbage for V8's own scavenges to keep up, and a
// forced one per few hundred 1 KiB requests would only add work.
//
// Contract: relayed(n) is a counter (a subtraction and a branch) until
// enable() succeeded; then it runs gc({ type: 'minor' }) synchronously each
// time the count passes everyBytes. enable() needs V8's gc extension: it sets
// --expose-gc and takes gc() from a new vm context (the flag reaches contexts
// created after it). Only the CLI enables it: a library does not collect
// garbage in its host's process.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type MinorGc = (options: { type: 'minor' }) => void;

export const defaultPaceBytes = 512 * 1024;
export const paceFree = 4 * 1024;

let collect: MinorGc | undefined;
let every = defaultPaceBytes;
let left = defaultPaceBytes;

// Turns pacing on; false when V8's gc function could not be had (pacing stays off).
export function enableGcPacing(everyBytes = defaultPaceBytes): boolean {
  every = everyBytes;
  left = everyBytes;
  if (!collect) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
      if (typeof gc === 'function') collect = gc as MinorGc;
    } catch {
      // no gc extension in this runtime: relay without pacing
    }
  }
  return collect !== undefined;
}

// `bytes` went through the tunnel (either way).
export function relayed(bytes: number): void {
  if (bytes <= paceFree) return;
  left -= bytes - paceFree;
  if (left > 0) return;
  left = every;
  collect?.({ type: 'minor' });
}
