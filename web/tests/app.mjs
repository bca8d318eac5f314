// Drives the chat app (web/app/dist) in headless Chromium the way a person
// would — typing into its forms, clicking its buttons, reading what it
// shows — through a list of steps, for the Rust tests that put the app in a
// conversation with CLI users on a real node and relay.
//
//   node web/tests/app.mjs STEPS-JSON
//
// STEPS-JSON: {"app": {"node", "relay", "deployment"} (the app's query
// parameters: it connects at once), "steps": [{"do": "import", …}, …]}. After each step one JSON line goes to
// stdout: {"done": "<step>", …what it saw}. A step {"do": "wait", "for":
// NAME} waits until the line NAME arrives on stdin (the test has done its
// part). The app is served on 127.0.0.1:$INKPOST_PAGE_PORT (the origin the
// relay allows). On failure: {"failure": "…"} and exit status 1.
import { createInterface } from "node:readline";
import { launch } from "./chromium.mjs";
import { serve } from "../serve.mjs";

const { app = {}, steps = [] } = JSON.parse(process.argv[2] ?? "{}");
const timeout = Number(process.env.INKPOST_BROWSER_TIMEOUT_MS ?? 120_000);
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const input = createInterface({ input: process.stdin });
const signals = [];
const waiters = [];
input.on("line", (line) => {
  const waiter = waiters.shift();
  waiter ? waiter(line.trim()) : signals.push(line.trim());
});
const signal = () => new Promise((resolve) => (signals.length ? resolve(signals.shift()) : waiters.push(resolve)));

/** Waits until `check` (run in the page) answers, or the app shows an error. */
async function until(tab, what, check, arg) {
  const handle = await tab
    .waitForFunction(
      ([source, arg]) => {
        const error = document.querySelector("#error");
        if (error && !error.hidden) return { error: error.textContent };
        const found = new Function("arg", source)(arg);
        return found ? { found } : null;
      },
      [check, arg],
      { timeout, polling: 50 },
    )
    .catch((error) => {
      throw new Error(`waiting for ${what}: ${error.message.split("\n")[0]}`);
    });
  const { found, error } = await handle.jsonValue();
  if (error !== undefined) throw new Error(`the app says, while waiting for ${what}: ${error}`);
  return found;
}

const visible = (selector) => `const e = document.querySelector(${JSON.stringify(selector)}); return e && !e.hidden && e.offsetParent !== null;`;
// Checks run in the page; `li` is the message whose text is `arg`.
const findMessage = `const li = [...document.querySelectorAll("#messages li")].find((li) => li.querySelector(".text")?.textContent === arg);`;
const messageWith = `${findMessage} return li;`;
const messageInfo = `${findMessage} return li && { seq: Number(li.dataset.seq), id: li.dataset.id, sender: li.querySelector("strong").textContent, flag: li.querySelector(".flag")?.textContent ?? null };`;
const verdictOf = `${findMessage} const v = li?.querySelector(".verdict").textContent;`;

async function submit(tab, form, values) {
  for (const [name, value] of Object.entries(values)) {
    await tab.locator(`${form} [name=${name}]`).fill(String(value));
  }
  await tab.locator(`${form} button:not([type=button])`).first().click();
}

/** The group the last create-group step made. */
let created;

const actions = {
  async import(tab, { secret, passphrase }) {
    await until(tab, "the key form", visible("#import-form"));
    await submit(tab, "#import-form", { secret, passphrase });
    await until(tab, "the profile", visible("#profile"));
    return { account: await tab.locator("#my-account").textContent(), address: await tab.locator("#my-address").textContent() };
  },
  async unlock(tab, { passphrase }) {
    await until(tab, "the unlock form", visible("#unlock-form"));
    await submit(tab, "#unlock-form", { passphrase });
    await until(tab, "the profile", visible("#profile"));
    return { account: await tab.locator("#my-account").textContent(), address: await tab.locator("#my-address").textContent() };
  },
  async reload(tab) {
    await tab.reload();
    return {};
  },
  async register(tab, { handle }) {
    await until(tab, "the register form", visible("#register-form"));
    await submit(tab, "#register-form", { handle });
    return { profile: await until(tab, `@${handle}`, `const t = document.querySelector("#my-handle").textContent; return t.includes("@" + arg) && t`, handle) };
  },
  async profile(tab) {
    return { profile: await until(tab, "the profile", `return document.querySelector("#my-handle").textContent`) };
  },
  async postage(tab) {
    await until(tab, "the relay's postage", visible("#postage"));
    return { terms: await tab.locator("#postage-terms").textContent() };
  },
  async "open-channel"(tab, { deposit }) {
    await submit(tab, "#channel-form", { deposit });
    const terms = await until(tab, "the channel", `const t = document.querySelector("#postage-terms").textContent; return t.includes("your channel") && t`);
    return { terms, channel: /your channel (\d+)/.exec(terms)[1] };
  },
  async "create-group"(tab) {
    await until(tab, "the conversations", visible("#conversations"));
    await tab.locator("#create-group").click();
    const title = await until(tab, "the new group", `const t = document.querySelector("#conversation-title").textContent; return /^group \\d+$/.test(t) && t`);
    created = title.replace("group ", "");
    return { group: created };
  },
  // `group`: a number, or "created" for the group the last create-group made.
  async "open-group"(tab, { group: named }) {
    const group = named === "created" ? created : named;
    await until(tab, "the conversations", visible("#conversations"));
    await submit(tab, "#group-form", { group });
    await until(tab, `group ${group}`, `return document.querySelector("#conversation-title").textContent === arg && document.querySelector("#status").textContent.endsWith("live")`, `group ${group}`);
    return {};
  },
  async "open-dm"(tab, { handle }) {
    await until(tab, "the conversations", visible("#conversations"));
    await submit(tab, "#dm-form", { handle });
    await until(tab, `@${handle}`, `return document.querySelector("#conversation-title").textContent === arg && document.querySelector("#status").textContent.endsWith("live")`, `@${handle}`);
    return {};
  },
  async "add-member"(tab, { handle, role }) {
    await tab.locator("#member-form [name=role]").selectOption(role);
    await submit(tab, "#member-form", { handle });
    const shown = await until(tab, `@${handle} among the members`, `return document.querySelector('#member-list li[data-handle="' + arg + '"]')?.firstChild?.textContent`, handle);
    return { shown };
  },
  async "set-role"(tab, { handle, role }) {
    const item = `#member-list li[data-handle="${handle}"]`;
    await tab.locator(`${item} select`).selectOption(role);
    await tab.locator(`${item} form button`).click();
    const shown = await until(tab, `@${handle} as ${role}`, `const t = document.querySelector('#member-list li[data-handle="' + arg[0] + '"]')?.firstChild?.textContent; return t?.includes("— " + arg[1].toLowerCase()) && t`, [handle, role]);
    return { shown };
  },
  async "remove-member"(tab, { handle }) {
    await tab.locator(`#member-list li[data-handle="${handle}"] button.remove`).click();
    await until(tab, `@${handle} gone`, `return !document.querySelector('#member-list li[data-handle="' + arg + '"]')`, handle);
    return {};
  },
  async send(tab, { text, refused }) {
    await submit(tab, "#compose-form", { text });
    if (refused !== undefined) return actions["expect-error"](tab, { contains: refused });
    const status = await until(tab, "the receipt", `const t = document.querySelector("#status").textContent; return t.startsWith("Sent") && t`);
    await until(tab, "the sent message", messageWith, text);
    return { status };
  },
  async expect(tab, { text }) {
    return until(tab, `the message ${JSON.stringify(text)}`, messageInfo, text);
  },
  async messages(tab) {
    const messages = await tab.$$eval("#messages li", (items) =>
      items.map((li) => ({
        seq: Number(li.dataset.seq),
        sender: li.querySelector("strong").textContent,
        text: li.querySelector(".text").textContent,
        invalid: li.classList.contains("invalid"),
        flag: li.querySelector(".flag")?.textContent ?? null,
      })),
    );
    return { messages };
  },
  async "expect-status"(tab, { contains }) {
    return { status: await until(tab, `a status with ${JSON.stringify(contains)}`, `const t = document.querySelector("#status").textContent; return t.includes(arg) && t`, contains) };
  },
  async "expect-error"(tab, { contains }) {
    const text = await tab.waitForFunction(() => !document.querySelector("#error").hidden && document.querySelector("#error").textContent, null, { timeout });
    const error = await text.jsonValue();
    if (!error.includes(contains)) throw new Error(`the app's error ${JSON.stringify(error)} does not say ${JSON.stringify(contains)}`);
    return { error };
  },
  async verify(tab, { text }) {
    const item = tab.locator("#messages li", { has: tab.locator(".text", { hasText: text }) });
    await item.locator(".verify").click();
    return { verdict: await until(tab, "the verdict", `${verdictOf} return v`, text) };
  },
  async tip(tab, { text, amount }) {
    tab.once("dialog", (dialog) => dialog.accept(amount));
    const item = tab.locator("#messages li", { has: tab.locator(".text", { hasText: text }) });
    await item.locator(".tip").click();
    return { verdict: await until(tab, "the tip", `${verdictOf} return v?.startsWith("tipped") && v`, text) };
  },
  // Round trips: sends `${ask} i`, waits for `${answer} i` (someone on the
  // CLI answers), `count` times; the milliseconds of each.
  async ping(tab, { ask, answer, count }) {
    const rounds = [];
    for (let i = 1; i <= count; i++) {
      const started = performance.now();
      await submit(tab, "#compose-form", { text: `${ask} ${i}` });
      await until(tab, `${answer} ${i}`, messageWith, `${answer} ${i}`);
      rounds.push(performance.now() - started);
    }
    return { rounds };
  },
  async wait(_tab, { for: name }) {
    const got = await signal();
    if (got !== name) throw new Error(`expected the signal ${name}, got ${got}`);
    return {};
  },
  async screenshot(tab, { path }) {
    await tab.screenshot({ path, fullPage: true });
    return { path };
  },
};

// INKPOST_APP_SCREENSHOT=STEP:FILE saves a picture of the app after STEP
// (how docs/web-app.png was made).
const [shotAfter, shotPath] = (process.env.INKPOST_APP_SCREENSHOT ?? "").split(/:(.*)/s);
const server = await serve(Number(process.env.INKPOST_PAGE_PORT ?? 0));
const browser = await launch();
let failed = false;
try {
  const tab = await browser.newPage({ viewport: { width: 900, height: 900 } });
  tab.on("console", (message) => console.error(`[app] ${message.text()}`));
  tab.on("pageerror", (error) => console.error(`[app error] ${error.message}`));
  await tab.goto(`http://127.0.0.1:${server.address().port}/?${new URLSearchParams(app)}`);
  for (const step of steps) {
    const act = actions[step.do];
    if (!act) throw new Error(`unknown step ${step.do}`);
    say({ done: step.do, ...(await act(tab, step)) });
    if (shotAfter === step.do) await tab.screenshot({ path: shotPath, fullPage: true });
  }
} catch (error) {
  say({ failure: String(error?.message ?? error) });
  failed = true;
} finally {
  await browser.close();
  server.close();
  input.close();
}
process.exit(failed ? 1 : 0);
