// V8 settings of the `tunely` CLI process (main.ts imports this module first,
// so they hold before undici, ws and our modules load). The SDK never touches
// its host's VM: only the CLI, which owns its process, sets them.
//
// --liftoff-only (takes effect at run time: it is read when WebAssembly is
// compiled): undici parses HTTP with llhttp compiled to WebAssembly. Once the
// parser is hot (the first request already), V8 recompiles it with TurboFan
// in the background, and that compile of llhttp's large state machine holds
// ~35 MiB for a moment: the largest single peak of the client (idle ~57 MiB,
// peak 91 MiB after one request). With Liftoff's code only, req/s through the
// client were the same within noise (3 interleaved runs each).
//
// Not set, measured: --semi-space-growth-factor=1 (a young generation that
// stays at 1 MiB semi-spaces) saves ~1 MiB during a bulk transfer but costs
// ~12% of the 1 KiB req/s (many more scavenges); --max-semi-space-size has no
// effect once V8 is running.
import { setFlagsFromString } from 'node:v8';

export const cliV8Flags = ['--liftoff-only'] as const;

for (const flag of cliV8Flags) setFlagsFromString(flag);
