// Small DOM helpers (status line, error box, form handlers) and amounts.

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

export function status(text: string): void {
  $("#status").textContent = text;
}

export function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const box = $("#error");
  box.textContent = message;
  show(box);
  status("Something went wrong: see above");
}

/**
 * Runs `act` when the form is submitted (or the button clicked), its
 * buttons disabled meanwhile; an error goes to the error box.
 */
export function handle(form: HTMLFormElement | HTMLButtonElement, act: () => Promise<void>): void {
  const isForm = form instanceof HTMLFormElement;
  form.addEventListener(isForm ? "submit" : "click", async (event) => {
    event.preventDefault();
    const buttons = isForm ? [...form.querySelectorAll("button")] : [form];
    buttons.forEach((button) => (button.disabled = true));
    hide($("#error"));
    try {
      await act();
    } catch (error) {
      fail(error);
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });
}

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
