import { test, expect, resetKV } from "./fixtures.mjs";

// label is an answer's label as the page renders it.
const label = (page, text) => page.locator("[data-label]").filter({ hasText: new RegExp(`^${text}$`) });

test.afterEach(async ({ stack }) => {
  await resetKV(stack);
});

test("the answers page lists the seeded answers", async ({ page, stack }) => {
  await page.goto(stack.astro + "/");
  await expect(label(page, "Merlot").first()).toBeVisible();
  await expect(label(page, "Pinot Noir").first()).toBeVisible();
});

test("an answer added through the API shows, and a reset takes it away", async ({ page, stack }) => {
  const added = `Playwright Grape ${Date.now()}`;
  const res = await fetch(`${stack.answers}/answers/grape`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ label: added }),
  });
  expect(res.status).toBe(201);
  await page.goto(stack.astro + "/");
  await expect(label(page, added)).toBeVisible();

  await resetKV(stack);
  await page.goto(stack.astro + "/");
  await expect(label(page, "Merlot").first()).toBeVisible();
  await expect(label(page, added)).toHaveCount(0);
});
