import { launchChromium } from "./plot/support.ts";
const b = await launchChromium();
const p = await b.newPage({ viewport: { width: 1280, height: 1000 } });
p.on("console", (m) => console.log("console:", m.text()));
p.on("pageerror", (e) => console.log("pageerror:", e.message));
await p.goto("http://127.0.0.1:42603/history");
await p.waitForSelector("[data-chart=history-center] canvas", {
  timeout: 10000,
});
const over = p.locator("[data-chart=history-center] .u-over");
const box = (await over.boundingBox())!;
console.log(JSON.stringify(box));
await p.mouse.move(box.x + 2, box.y + box.height / 2);
await p.mouse.down();
await p.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, {
  steps: 5,
});
await p.mouse.up();
await new Promise((r) => setTimeout(r, 1500));
console.log(p.url(), await p.locator("table.history tbody tr").count());
console.log(JSON.stringify(await p.evaluate(() => (globalThis as any).__fws)));
await b.close();
