/**
 * Shared helpers of the plot tests: the page bundle (built once if missing),
 * headless Chromium, a raw HTTP request with any Host header, and a plot
 * subprocess under a permission set.
 *
 * @module
 */
import fs from "node:fs";
import type { Browser } from "playwright-core";
import { bundleIslands } from "../../tools/bundle_islands.ts";

const BUNDLE = new URL("../../static/islands/bundle.js", import.meta.url);

/** Newest modification time of the islands' sources. */
async function newestIsland(dir: URL): Promise<number> {
  let newest = 0;
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    const t = e.isDirectory
      ? await newestIsland(url)
      : (await Deno.stat(url)).mtime?.getTime() ?? 0;
    newest = Math.max(newest, t);
  }
  return newest;
}

/** Builds `static/islands/bundle.{js,css}` when absent or older than islands/. */
export async function ensureBundle(): Promise<void> {
  const built = await Deno.stat(BUNDLE).then((s) => s.mtime?.getTime() ?? 0)
    .catch(() => -1);
  if (
    built < 0 ||
    built < await newestIsland(new URL("../../islands/", import.meta.url))
  ) {
    await bundleIslands();
  }
}

/**
 * playwright-core probes `/proc/sys/fs/binfmt_misc/WSLInterop` when it is
 * loaded; Deno grants paths under /proc/sys only with --allow-all, which the
 * `test` permission set does not have. Answer that one probe "absent" (this
 * is not WSL) and load playwright lazily, after the patch.
 */
async function playwright(): Promise<typeof import("playwright-core")> {
  const existsSync = fs.existsSync;
  fs.existsSync = (path: fs.PathLike) =>
    String(path).startsWith("/proc/sys/") ? false : existsSync(path);
  try {
    return await import("playwright-core");
  } finally {
    fs.existsSync = existsSync;
  }
}

/** Debian's Chromium, headless, no network beyond what the page asks. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await playwright();
  return await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
}

/**
 * One HTTP/1.1 GET over a raw socket, so the Host header is whatever the
 * test says (fetch would set it from the URL). Returns status and body.
 */
export async function rawGet(
  port: number,
  options: { path?: string; host: string; method?: string },
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request =
      `${options.method ?? "GET"} ${options.path ?? "/"} HTTP/1.1\r\n` +
      `Host: ${options.host}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    const deadline = setTimeout(() => conn.close(), 10_000);
    try {
      while (true) {
        const n = await conn.read(buf).catch(() => null);
        if (n === null) break;
        chunks.push(buf.slice(0, n));
      }
    } finally {
      clearTimeout(deadline);
    }
    const text = new TextDecoder().decode(
      new Uint8Array(chunks.flatMap((c) => [...c])),
    );
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the deadline or the peer
    }
  }
}

/** A running `fws plot` subprocess. */
export interface PlotProcess {
  url: string;
  port: number;
  /** Everything printed so far (stdout + stderr). */
  output: () => string;
  /** SIGINT, then waits for the exit code. */
  stop: () => Promise<number>;
}

/**
 * Runs `deno run -P=<set> main.ts <command> …args` (command default `plot`)
 * and waits until it prints that it is serving (or exits, which rejects
 * with its output).
 */
export async function startPlotProcess(
  args: string[],
  options: {
    set?: string;
    /** The subcommand (default `plot`). */
    command?: string;
    timeoutMs?: number;
    env?: Record<string, string>;
    /** Soft and hard limit of open files (util-linux prlimit). */
    maxOpenFiles?: number;
  } = {},
): Promise<PlotProcess> {
  const deno = [
    Deno.execPath(),
    "run",
    `-P=${options.set ?? "plot"}`,
    "main.ts",
    options.command ?? "plot",
    ...args,
  ];
  const limit = options.maxOpenFiles;
  const command = limit === undefined
    ? deno
    : ["prlimit", `--nofile=${limit}:${limit}`, ...deno];
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await pumps;
    return s.code;
  });
  const started = Date.now();
  while (!/press Ctrl-C to stop/.test(text)) {
    const code = await Promise.race([
      exited,
      new Promise<null>((r) => setTimeout(() => r(null), 50)),
    ]);
    if (code !== null) {
      throw new Error(
        `fws ${
          options.command ?? "plot"
        } exited with ${code} before serving:\n${text}`,
      );
    }
    if (Date.now() - started > (options.timeoutMs ?? 30_000)) {
      child.kill("SIGKILL");
      await exited;
      throw new Error(`fws plot did not start within the timeout:\n${text}`);
    }
  }
  const url = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(text)!;
  return {
    url: url[0],
    port: Number(url[1]),
    output: () => text,
    stop: async () => {
      child.kill("SIGINT");
      return await exited;
    },
  };
}

/** Runs `fws plot …args` expecting it to exit; returns code and output. */
export async function runPlot(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=plot", "main.ts", "plot", ...args],
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const strip = (b: Uint8Array) =>
    new TextDecoder().decode(b).split("\n").filter((l) =>
      !/Permissions in the config file is an experimental feature/.test(l)
    ).join("\n");
  return {
    code: out.code,
    stdout: strip(out.stdout),
    stderr: strip(out.stderr),
  };
}

/** A fresh temporary directory, removed after `fn`. */
export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "fws-plot-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
