// Astro dev server for the Sommelier Arena site. arena-dev runs it as
// `astro dev --host 127.0.0.1 --port N` and needs it on exactly that port.
import { defineConfig } from "astro/config";

export default defineConfig({
  output: "static",
  server: { host: "127.0.0.1", port: 4321 },
  // The toolbar adds client scripts and an app that looks for updates; not needed here.
  devToolbar: { enabled: false },
  vite: {
    // Without it Vite silently moves to the next port when the port is taken.
    server: { strictPort: true },
    // Pre-bundle at start, so the first visit of the room page does not trigger a
    // "new dependencies optimized" full reload (which drops the WebSocket).
    optimizeDeps: { include: ["partysocket"] },
  },
});
