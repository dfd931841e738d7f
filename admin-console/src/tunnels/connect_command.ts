/** Where the command sends traffic until the user names their own service. */
export const EXAMPLE_TARGET = 'http://localhost:3000';

/** The command a user pastes to connect a tunnel client to a local service (port 3000 unless told). */
export function connectCommand(websocketUrl: string, token: string, target: string = EXAMPLE_TARGET): string {
  return `tunely connect --server ${websocketUrl} --token ${token} --target ${target}`;
}
