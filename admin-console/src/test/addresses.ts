// Reads the addresses an AddressList shows (without its copy buttons and tags), in order.
export function addressTexts(container: HTMLElement): string[] {
  return Array.from(container.querySelectorAll('.address')).map((a) => a.textContent ?? '');
}
