// The `tunely connect` status view, the same screen as the C++ CLI
// (cpp/apps/tunely/terminal_view.cpp): a status block and one line per request
// on a terminal, plain log lines otherwise (pipes, CI, files).
import type { RequestSummary } from './client.js';
import { isoTime } from './iso_time.js';

export interface Output {
  write(text: string): void;
}

const reset = '\x1b[0m';

function statusColor(status: number): string {
  if (status >= 500 || status === 0) return '\x1b[31m';
  if (status >= 400) return '\x1b[33m';
  return '\x1b[32m';
}

export class TerminalView {
  private stampedAt = -1;
  private stamp = '';

  constructor(
    private readonly serverUrl: string,
    private readonly targetUrl: string,
    private readonly interactive: boolean,
    private readonly out: Output = process.stdout,
    private readonly err: Output = process.stderr,
  ) {}

  connected(domain: string, protocol: '2' | '1.1'): void {
    if (!this.interactive) {
      this.log(`connected: tunnel '${domain}' → ${this.targetUrl} (protocol ${protocol})`);
      return;
    }
    this.out.write(
      `\n\x1b[1mtunely\x1b[0m                          (Ctrl+C to quit)\n\n` +
        `Session Status      \x1b[32monline\x1b[0m\n` +
        `Tunnel              ${domain}\n` +
        `Protocol            ${protocol === '2' ? '2 (binary, streaming)' : '1.1'}\n` +
        `Server              ${this.serverUrl}\n` +
        `Forwarding          /t/${domain}/ → ${this.targetUrl}\n\n` +
        `HTTP Requests\n-------------\n`,
    );
  }

  disconnected(reason: string): void {
    if (!this.interactive) this.log(`disconnected: ${reason}`);
    else this.out.write(`Session Status      \x1b[33mreconnecting\x1b[0m (${reason})\n`);
  }

  reconnecting(delayMs: number, attempt: number): void {
    const seconds = (delayMs / 1000).toFixed(1);
    if (!this.interactive) this.log(`reconnecting in ${seconds} s (attempt ${attempt})`);
    else this.out.write(`                    next attempt in ${seconds} s (#${attempt})\n`);
  }

  request(r: RequestSummary): void {
    const error = r.error ? `  ${r.error}` : '';
    if (!this.interactive) {
      this.log(`${r.method} ${r.path} ${r.status} ${r.durationMs} ms${error}`);
      return;
    }
    this.out.write(
      `${r.method.padEnd(7)} ${r.path.padEnd(48)} ${statusColor(r.status)}${String(r.status).padStart(3)}${reset} ` +
        `${String(r.durationMs).padStart(6)} ms${error}\n`,
    );
  }

  error(message: string): void {
    if (!this.interactive) this.err.write(`${this.timestamp()} error: ${message}\n`);
    else this.err.write(`\x1b[31merror:\x1b[0m ${message}\n`);
  }

  private log(line: string): void {
    this.out.write(`${this.timestamp()} ${line}\n`);
  }

  // The current time as ISO 8601, formatted once per millisecond (a line per request adds up under load).
  private timestamp(): string {
    const now = Date.now();
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = isoTime(now);
    }
    return this.stamp;
  }
}
