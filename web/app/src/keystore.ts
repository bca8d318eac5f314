// The account's secret, kept in the browser encrypted under a passphrase:
// PBKDF2-SHA256 (600,000 iterations, OWASP's figure for it) derives an
// AES-256-GCM key with WebCrypto; IndexedDB holds the salt, the nonce and the
// ciphertext, never the secret or the passphrase. The secret is what the
// user imported: a BIP-39 mnemonic, a 0x seed, or a dev URI such as //Alice.

const DB = "inkpost";
const STORE = "keys";
const ITERATIONS = 600_000;

export interface StoredKey {
  /** The account's SS58-free id (0x + 32 bytes), shown before unlocking. */
  accountId: string;
  salt: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

export class WrongPassphrase extends Error {
  constructor() {
    super("wrong passphrase: try again, or forget this key and import it anew");
  }
}

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await database();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

async function aesKey(passphrase: string, salt: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(passphrase),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The stored key, if any. */
export async function stored(): Promise<StoredKey | undefined> {
  return (await transact<StoredKey | undefined>("readonly", (store) => store.get("account"))) ?? undefined;
}

/** Encrypts `secret` under `passphrase` and keeps it (replacing any). */
export async function save(accountId: string, secret: string, passphrase: string): Promise<void> {
  if (passphrase.length < 8) throw new Error("choose a passphrase of at least 8 characters");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await aesKey(passphrase, salt);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(accountId) },
      key,
      new TextEncoder().encode(secret),
    ),
  );
  const record: StoredKey = { accountId, salt, iv, ciphertext };
  await transact("readwrite", (store) => store.put(record, "account"));
}

/** The secret of the stored key. */
export async function unlock(record: StoredKey, passphrase: string): Promise<string> {
  const key = await aesKey(passphrase, record.salt);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: record.iv, additionalData: new TextEncoder().encode(record.accountId) },
      key,
      record.ciphertext,
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new WrongPassphrase();
  }
}

/** Deletes the stored key. */
export async function forget(): Promise<void> {
  await transact("readwrite", (store) => store.delete("account"));
}
