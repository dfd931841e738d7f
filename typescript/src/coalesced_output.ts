// Terminal output written once per turn of the event loop. process.stdout and
// process.stderr are synchronous for files and terminals (and pipes on Linux),
// so the CLI's one line per request was one write(2) per request: under load
// the biggest single cost in the client's profile. Lines written during one
// turn now leave together, in order, with the same text.
//
// Contract: write() never reorders, and a line written to one stream reaches
// its fd before any line written later to the other (writing to one flushes
// what the other holds), so a log with both streams redirected to one file
// reads as before. flush() writes everything held at once: call it before
// process.exit(), which runs no further turn.
import type { Output } from './terminal.js';

export class CoalescedOutputs {
  readonly out: Output;
  readonly err: Output;
  private held: string[] = [];
  private heldBy: NodeJS.WritableStream | undefined;
  private scheduled = false;

  constructor(private readonly stdout: NodeJS.WritableStream = process.stdout,
              private readonly stderr: NodeJS.WritableStream = process.stderr) {
    this.out = { write: (text) => this.hold(this.stdout, text) };
    this.err = { write: (text) => this.hold(this.stderr, text) };
  }

  flush(): void {
    if (!this.heldBy || this.held.length === 0) return;
    const text = this.held.length === 1 ? this.held[0]! : this.held.join('');
    const target = this.heldBy;
    this.held = [];
    this.heldBy = undefined;
    target.write(text);
  }

  private hold(target: NodeJS.WritableStream, text: string): void {
    if (this.heldBy !== target) this.flush(); // the other stream's lines go first
    this.heldBy = target;
    this.held.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }
}
