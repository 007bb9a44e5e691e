import { test, expect } from "./fixtures.mjs";

// Production KV is eventually consistent: a write is seen at once where it was
// made, and elsewhere only after the cache TTL. --kv-consistency edge shows it.
test("under edge consistency a second location sees a new answer only after propagate", async ({ edgeStack }) => {
  const label = `Edge Grape ${Date.now()}`;
  const get = async (colo) => {
    const res = await fetch(`${edgeStack.answers}/answers/grape`, { headers: { "X-Arena-Colo": colo } });
    expect(res.status).toBe(200);
    return (await res.json()).map((e) => e.label);
  };
  // Both locations read the category first, so both have it cached.
  expect(await get("ams")).not.toContain(label);
  expect(await get("sfo")).not.toContain(label);

  const res = await fetch(`${edgeStack.answers}/answers/grape`, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Arena-Colo": "ams" },
    body: JSON.stringify({ label }),
  });
  expect(res.status).toBe(201);
  expect(await get("ams")).toContain(label); // fresh where it was written
  expect(await get("sfo")).not.toContain(label); // stale elsewhere

  const p = await fetch(`${edgeStack.answers}/_arena/kv/propagate`, { method: "POST" });
  expect(p.status).toBeLessThan(300);
  expect(await get("sfo")).toContain(label);
});
