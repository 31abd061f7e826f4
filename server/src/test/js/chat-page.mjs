// Drives the chat page of a running server in headless Chromium and prints what it saw as one JSON line.
// Usage: node chat-page.mjs BASE_URL API_KEY [THINKING_BASE_URL]
// With THINKING_BASE_URL (a server without a key whose model thinks), it also asks there and reports the reply's
// reasoning, which the page shows in a collapsed block.
// The browser is the system Chromium: $CHROMIUM, else /usr/bin/chromium.
import { chromium } from "playwright-core";

const [base, key, thinkingBase] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const seen = {};
try {
  const page = await browser.newPage();
  await page.goto(base + "/");
  await page.fill("#api-key", key);
  await page.dispatchEvent("#api-key", "change");
  await page.waitForSelector("#model[data-loaded=true]");
  seen.models = await page.$$eval("#model option", (options) => options.map((o) => o.value));

  async function ask(model, text, maxTokens, on = page) {
    const page = on;
    await page.selectOption("#model", model);
    await page.fill("#temperature", "0");
    await page.fill("#max-tokens", String(maxTokens));
    await page.fill("#prompt", text);
    await page.press("#prompt", "Enter");
    const count = await page.$$eval(".assistant", (all) => all.length);
    await page.waitForFunction((n) => {
      const all = document.querySelectorAll(".assistant");
      return all.length === n && all[n - 1].dataset.state === "done";
    }, count);
    return page.$eval(".assistant:last-of-type", (a) => ({
      content: a.dataset.content, finish: a.dataset.finish, reasoning: a.dataset.reasoning,
      reasoningShown: a.querySelector("details.reasoning") ? (a.querySelector("details.reasoning").open ? "open" : "collapsed") : "none",
    }));
  }

  seen.base = await ask(seen.models[0], "Hi", 6);
  await page.click("#clear");
  seen.adapter = await ask(seen.models.find((m) => m.includes(":")), "Hi", 6);

  // A long reply, stopped from the page: the page disconnects and the server cancels the generation.
  await page.click("#clear");
  await page.fill("#max-tokens", "1500");
  await page.selectOption("#model", seen.models[0]);
  await page.fill("#prompt", "Hi");
  await page.press("#prompt", "Enter");
  await page.waitForFunction(() => {
    const a = document.querySelector(".assistant");
    return a && a.textContent.length >= 3;
  });
  await page.click("#stop");
  await page.waitForFunction(() => document.querySelector(".assistant").dataset.state === "done");
  seen.stopped = await page.$eval(".assistant", (a) => ({ finish: a.dataset.finish, length: a.dataset.content.length }));

  if (thinkingBase) {
    const thinking = await browser.newPage();
    await thinking.goto(thinkingBase + "/");
    await thinking.waitForSelector("#model[data-loaded=true]");
    seen.thinking = await ask(await thinking.$eval("#model", (s) => s.value), "Q", 6, thinking);
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
