/**
 * A Worker that tries what the live server's Worker must not do — write a
 * file, start a process — and posts what happened (the error's name, or
 * "ok"). Started by `live_permissions_test.ts` with the live Worker's grants.
 *
 * @module
 */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<string>) => void) | null;
  postMessage(reply: Record<string, string>): void;
};

async function attempt(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (error) {
    return (error as Error).name;
  }
}

scope.onmessage = async (e) => {
  const path = e.data;
  scope.postMessage({
    write: await attempt(() => Deno.writeTextFile(path, "written")),
    run: await attempt(() => new Deno.Command("true").output()),
    read: await attempt(() => Deno.readTextFile(new URL(import.meta.url))),
  });
};
