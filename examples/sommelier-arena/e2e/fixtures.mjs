// The fixture an E2E suite needs from arena-dev: a stack per Playwright worker,
// started fresh (--ephemeral), on free ports (--ports auto), under its own name,
// and stopped after the worker's last test. Copy this file into your suite.
import { test as base, expect } from "@playwright/test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import path from "node:path";
import { fileURLToPath } from "node:url";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const app = path.resolve(here, "..");
const arenaDev = process.env.ARENA_DEV_BIN || path.resolve(app, "../../bin/arena-dev");

async function up(name, extra = []) {
  const { stdout } = await run(arenaDev,
    ["up", "--wait", "--ephemeral", "--ports", "auto", "--name", name, "--json", ...extra],
    { cwd: app, timeout: 180_000 });
  const stack = JSON.parse(stdout);
  const url = (svc) => stack.services.find((s) => s.name === svc).url;
  return { ...stack, answers: url("answers"), astro: url("astro"), partykit: url("partykit") };
}

async function down(name) {
  await run(arenaDev, ["down", "--name", name], { cwd: app, timeout: 60_000 });
}

export const test = base.extend({
  // One stack per worker, strongly consistent KV (the default).
  stack: [async ({}, use, workerInfo) => {
    const name = `pw-${process.pid}-${workerInfo.workerIndex}`;
    const stack = await up(name);
    await use(stack);
    await down(name);
  }, { scope: "worker" }],

  // One stack per worker whose KV behaves like production's edge caches.
  edgeStack: [async ({}, use, workerInfo) => {
    const name = `pw-edge-${process.pid}-${workerInfo.workerIndex}`;
    const stack = await up(name, ["--kv-consistency", "edge", "--kv-propagation-delay", "60s"]);
    await use(stack);
    await down(name);
  }, { scope: "worker" }],
});

// resetKV puts the stack's KV state back to how it started: call it between tests.
export async function resetKV(stack) {
  const res = await fetch(`${stack.answers}/_arena/reset`, { method: "POST" });
  expect(res.status).toBeLessThan(300);
}

export { expect };
