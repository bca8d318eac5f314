// The deployment file `inkpost deploy` writes (the CLI and the relay read
// the same file): the four contracts' H160 addresses and the deployer, a
// mapped account that read-only queries run as.
export interface Deployment {
  identity: string;
  groups: string;
  anchors: string;
  escrow: string;
  deployer: string;
}

const H160 = /^0x[0-9a-fA-F]{40}$/;
const ACCOUNT = /^0x[0-9a-fA-F]{64}$/;

/** Parses a deployment file's text; the error names the field to fix. */
export function parseDeployment(text: string): Deployment {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("the deployment is not JSON: paste the file `inkpost deploy` wrote, or its URL");
  }
  const field = (name: keyof Deployment, shape: RegExp, what: string) => {
    const found = value?.[name];
    if (typeof found !== "string" || !shape.test(found)) {
      throw new Error(`the deployment's "${name}" must be ${what}`);
    }
    return found.toLowerCase();
  };
  return {
    identity: field("identity", H160, "a contract address (0x + 40 hex digits)"),
    groups: field("groups", H160, "a contract address (0x + 40 hex digits)"),
    anchors: field("anchors", H160, "a contract address (0x + 40 hex digits)"),
    escrow: field("escrow", H160, "a contract address (0x + 40 hex digits)"),
    deployer: field("deployer", ACCOUNT, "an account id (0x + 64 hex digits)"),
  };
}

/** The deployment from `source`: JSON itself, or a URL to fetch it from. */
export async function loadDeployment(source: string): Promise<Deployment> {
  const text = source.trim();
  if (text.startsWith("{")) return parseDeployment(text);
  let response: Response;
  try {
    response = await fetch(text);
  } catch (error) {
    throw new Error(`cannot fetch the deployment from ${text}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`cannot fetch the deployment from ${text}: HTTP ${response.status}`);
  return parseDeployment(await response.text());
}
