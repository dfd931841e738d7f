/** The command a user pastes to connect a tunnel client to a local service on port 3000. */
export function connectCommand(websocketUrl: string, token: string): string {
  return `tunely connect --server ${websocketUrl} --token ${token} --target http://localhost:3000`;
}
