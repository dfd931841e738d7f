// The server's rules for a new tunnel, checked before sending so the form can
// say what is wrong at once. The server stays the authority (reserved names,
// duplicates): its `detail` text is shown when it refuses.

/** Same pattern as the server: 1–63 letters, digits or '-', starting with a letter or digit. */
export const DOMAIN_PATTERN = /^[a-zA-Z0-9][-a-zA-Z0-9]{0,62}$/;
export const NAME_MAX = 100;

export function domainProblem(domain: string): string | null {
  if (!domain) return 'Enter a domain.';
  if (domain.length > 63) return 'At most 63 characters.';
  if (!DOMAIN_PATTERN.test(domain)) return "Use letters, digits or '-', starting with a letter or digit.";
  return null;
}

export function nameProblem(name: string): string | null {
  if (name.length > NAME_MAX) return `At most ${NAME_MAX} characters (now ${name.length}).`;
  return null;
}
