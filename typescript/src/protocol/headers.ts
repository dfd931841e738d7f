// Ordered header fields with repeats (set-cookie) kept: [name, value] pairs.
export type HeaderList = Array<[string, string]>;
