/**
 * The Luhn checksum over the digits of `text`, skipping any other character, so a card
 * number written `4111 1111-1111 1111` is checked without building a digits-only copy.
 */
export function passesLuhn(text: string): boolean {
  let sum = 0;
  let doubled = false;
  let count = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) continue;
    count++;
    if (doubled) sum += digit < 5 ? digit * 2 : digit * 2 - 9;
    else sum += digit;
    doubled = !doubled;
  }
  return count > 0 && sum % 10 === 0;
}
