// undici's Pool class from its own module, the one part of undici the
// protocol-2 path uses (target.ts says why not from 'undici'). undici ships
// types for its index only; this is the same class.
declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';
  export = Pool;
}
