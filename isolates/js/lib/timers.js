// Timers run on the isolate's event loop (Go); ids are plain numbers.
const schedule = natives.schedule, clear = natives.clear;
function check(fn) {
  if (typeof fn !== "function") throw new TypeError("The callback must be a function.");
}
return {
  setTimeout(fn, delay = 0, ...args) { check(fn); return schedule(fn, Number(delay), false, args); },
  setInterval(fn, delay = 0, ...args) { check(fn); return schedule(fn, Number(delay), true, args); },
  clearTimeout(id) { if (typeof id === "number") clear(id); },
  clearInterval(id) { if (typeof id === "number") clear(id); },
  queueMicrotask(fn) {
    if (typeof fn !== "function") throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
    Promise.resolve().then(() => fn());
  },
};
