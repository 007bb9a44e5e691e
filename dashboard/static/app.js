// The arena-dev dashboard: plain ES modules, no build step, nothing from the network.
import { initServices } from "./services.js";
import { initLogs } from "./logs.js";
import { initAnswers } from "./answers.js";
import { initKV } from "./kv.js";
import { initUsage } from "./usage.js";
import { $, api, setConn } from "./util.js";

async function main() {
  let cfg;
  try {
    cfg = await api("GET", "/_arena/config");
  } catch (e) {
    setConn("down", "dashboard API unreachable: " + e.message);
    return;
  }
  document.body.dataset.services = cfg.services ? "1" : "0";
  for (const el of document.querySelectorAll("[data-needs-stack]")) el.hidden = !cfg.services;
  if (cfg.services) {
    initServices(cfg);
    initLogs();
  } else {
    setConn("live", "serve: no services (arena-dev up has them)");
  }
  initAnswers();
  initKV(cfg);
  initUsage();
  $("#conn").dataset.ready = "1";
}

main();
