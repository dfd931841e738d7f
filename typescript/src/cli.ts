// `tunely connect`: the original SDK CLI's flags (-s -t -T -r -f) plus the C++
// CLI's --max-attempts, --no-protocol-2 and --tcp-target; the same env variables.
// Exit codes as the C++ CLI: 0 stopped, 1 fatal error, 2 usage, 3 already connected.
import { Command, InvalidArgumentError, Option } from 'commander';

import { TunnelClient, clientVersion } from './client.js';
import { CoalescedOutputs } from './coalesced_output.js';
import { TunelyError } from './errors.js';
import { parseHostPort } from './tcp.js';
import { TerminalView } from './terminal.js';

// The package's version: clientVersion, which a test holds to package.json's.
// (Not read from package.json: this module is built as CommonJS and as ESM,
// which find their own location differently.)
export const packageVersion = clientVersion;

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function count(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

interface ConnectFlags {
  server: string;
  token?: string;
  target: string;
  tcpTarget?: string;
  reconnect: number;
  force: boolean;
  maxAttempts: number;
  protocol2: boolean;
}

export async function connect(flags: ConnectFlags): Promise<number> {
  if (!flags.token?.trim()) {
    process.stderr.write('error: a tunnel token is required: --token tun_… (or TUNELY_TOKEN)\n');
    return 2;
  }
  if (flags.tcpTarget && !parseHostPort(flags.tcpTarget)) {
    process.stderr.write(`error: --tcp-target '${flags.tcpTarget}' is not HOST:PORT (a port 1-65535; an IPv6 address in brackets, e.g. [::1]:22)\n`);
    return 2;
  }
  // One write per event-loop turn, not per request line (coalesced_output.ts).
  const outputs = new CoalescedOutputs();
  const view = new TerminalView(flags.server, flags.target, process.stdout.isTTY === true, outputs.out, outputs.err);
  let client: TunnelClient;
  try {
    client = new TunnelClient({
      serverUrl: flags.server, token: flags.token, targetUrl: flags.target, tcpTarget: flags.tcpTarget || undefined, force: flags.force,
      reconnectInterval: flags.reconnect * 1000, maxReconnectAttempts: flags.maxAttempts, protocol2: flags.protocol2,
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  client.on('onConnect', (domain) => view.connected(domain, client.protocolVersion ?? '1.1'));
  client.on('onDisconnect', () => view.disconnected('connection closed'));
  client.on('onReconnecting', (delay, attempt) => view.reconnecting(delay, attempt));
  client.on('onRequestDone', (r) => view.request(r));
  client.on('onError', (e) => {
    if (!(e instanceof TunelyError)) view.error(e.message); // rejections are reported once, below
  });
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) {
      outputs.flush();
      process.exit(130); // a second Ctrl-C ends at once
    }
    client.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await client.run();
    return 0;
  } catch (e) {
    if (e instanceof TunelyError && e.code === 'connection_exists') {
      view.error('this tunnel is already connected from another client; use --force to take over');
      return 3;
    }
    view.error(e instanceof TunelyError ? `${e.code}: ${e.message}` : (e as Error).message);
    return 1;
  } finally {
    outputs.flush();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function program(): Command {
  const cli = new Command('tunely').version(packageVersion).description('Tunely tunnel client for Node');
  // Usage errors (unknown command or option, missing or invalid value) exit 2 as the C++ CLI's do (commander
  // says 1); --help and --version 0. Set before .command(): subcommands inherit it.
  cli.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  cli
    .command('connect')
    .description('Connect a tunnel client to a server and forward to a target')
    .addOption(new Option('-s, --server <url>', 'Tunnel server WebSocket URL').env('TUNELY_SERVER_URL').default('ws://localhost:8080/ws/tunnel'))
    .addOption(new Option('-t, --token <token>', 'Tunnel token (tun_…)').env('TUNELY_TOKEN'))
    .addOption(new Option('-T, --target <url>', 'Target service URL').env('TUNELY_TARGET_URL').default('http://localhost:8090'))
    .addOption(new Option('--tcp-target <host:port>', "Where TCP tunnel connections go ([::1]:22 for IPv6; default: the target URL's host and port)").env('TUNELY_TCP_TARGET'))
    .addOption(new Option('-r, --reconnect <seconds>', 'Base reconnect delay in seconds (doubles, capped at 300)').env('TUNELY_RECONNECT').default(5).argParser(positiveNumber))
    .addOption(new Option('-f, --force', 'Take over a tunnel that is connected elsewhere').env('TUNELY_FORCE').default(false))
    .addOption(new Option('--max-attempts <n>', 'Give up after this many failed reconnects (0 = never)').env('TUNELY_MAX_ATTEMPTS').default(0).argParser(count))
    .addOption(new Option('--no-protocol-2', 'Speak only protocol 1.1'))
    .action(async (flags: ConnectFlags) => {
      process.exitCode = await connect(flags);
    });
  return cli;
}
