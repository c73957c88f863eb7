// console: every method formats its arguments in Go and hands one line to the host.
const print = natives.print;
const c = {};
for (const [name, level] of [["log", "log"], ["info", "info"], ["debug", "debug"], ["warn", "warn"], ["error", "error"], ["trace", "log"]]) {
  c[name] = function (...args) { print(level, args); };
}
const counts = new Map();
const timers = new Map();
c.count = function (label = "default") { const n = (counts.get(label) || 0) + 1; counts.set(label, n); print("log", [`${label}: ${n}`]); };
c.countReset = function (label = "default") { counts.delete(label); };
c.time = function (label = "default") { timers.set(label, Date.now()); };
c.timeEnd = function (label = "default") { if (timers.has(label)) { print("log", [`${label}: ${Date.now() - timers.get(label)}ms`]); timers.delete(label); } };
c.timeLog = function (label = "default", ...rest) { if (timers.has(label)) print("log", [`${label}: ${Date.now() - timers.get(label)}ms`, ...rest]); };
c.assert = function (cond, ...args) { if (!cond) print("error", ["Assertion failed", ...args]); };
c.table = c.log; c.dir = function (v) { print("log", [v]); };
c.group = c.groupCollapsed = c.groupEnd = function () {};
return { console: c };
