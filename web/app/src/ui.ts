// Small DOM and amount helpers.

export function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page lacks ${selector}`);
  return found;
}

export function field(form: HTMLFormElement, name: string): HTMLInputElement | HTMLTextAreaElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement;
}

export const show = (element: HTMLElement) => (element.hidden = false);
export const hide = (element: HTMLElement) => (element.hidden = true);

export const shortId = (hex: string) => `${hex.slice(0, 8)}…${hex.slice(-4)}`;

/** Native units per token (12 decimals, the dev chain's). */
const DECIMALS = 12;
const TOKEN = 10n ** BigInt(DECIMALS);

/** `1`, `0.25`, `.5` tokens → native units; refuses anything else. */
export function parseTokens(text: string): bigint {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
  const [whole = "", fraction = ""] = match ? [match[1], match[2] ?? ""] : [];
  if (!match || (whole === "" && fraction === "") || fraction.length > DECIMALS) {
    throw new Error(`${JSON.stringify(text)} is not an amount of tokens (like 1 or 0.25)`);
  }
  const value = BigInt(whole || "0") * TOKEN + BigInt(fraction.padEnd(DECIMALS, "0") || "0");
  if (value === 0n) throw new Error("enter an amount above zero");
  return value;
}

/** Native units → `1.5 tokens`. */
export function formatTokens(native: bigint): string {
  const whole = native / TOKEN;
  const fraction = (native % TOKEN).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  const amount = fraction ? `${whole}.${fraction}` : `${whole}`;
  return `${amount} ${amount === "1" ? "token" : "tokens"}`;
}
