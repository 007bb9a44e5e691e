import { test, expect } from "./fixtures.mjs";

test("two players in one PartyKit room see each other's answer", async ({ browser, stack }) => {
  const room = `pw-room-${Date.now()}`;
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const a = await alice.newPage();
  const b = await bob.newPage();
  await a.goto(`${stack.astro}/room?id=${room}`);
  await b.goto(`${stack.astro}/room?id=${room}`);
  await expect(a.locator("#ws-status")).toHaveText("open");
  await expect(b.locator("#ws-status")).toHaveText("open");
  await expect(a.locator("#players")).toHaveText("2");

  await a.fill("#answer-input", "Syrah");
  await a.click("button[type=submit]");
  await expect(b.locator('#messages li[data-message-type="answer"]')).toContainText("Syrah");
  await alice.close();
  await bob.close();
});
