// Playwright on the example app: each worker runs its own isolated stack with
// `arena-dev up --wait --ephemeral --ports auto --name ... --json` (fixtures.mjs).
// Debian's Chromium, no browser download (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.mjs$/,
  workers: 2,
  fullyParallel: true,
  timeout: 120_000,
  reporter: [["list"]],
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    },
  },
});
