// workerd's scheduler global: only wait(delay, { signal }), an awaitable setTimeout on the
// isolate's timers.
const kCreate = Symbol("create");

class Scheduler {
  constructor(key) { if (key !== kCreate) throw new TypeError("Illegal constructor"); }
  wait(delay = undefined, options = undefined) {
    let signal;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object" && typeof options !== "function") {
        return Promise.reject(new TypeError("Failed to execute 'wait' on 'Scheduler': parameter 2 is not of type 'WaitOptions'."));
      }
      signal = options.signal;
    }
    let ms = Number(delay);
    if (Number.isNaN(ms)) ms = 0;
    if (signal !== undefined && signal !== null) {
      if (!internal.events) internal.load("events");
      if (!(signal instanceof internal.events.AbortSignal)) {
        return Promise.reject(new TypeError("Incorrect type for the 'signal' field on 'WaitOptions': the provided value is not of type 'AbortSignal'."));
      }
      if (signal.aborted) return Promise.reject(signal.reason);
    }
    return new Promise((resolve, reject) => {
      const id = natives.schedule(() => { unsubscribe(); resolve(); }, ms, false, []);
      // An abort clears the timer, so a cancelled wait does not keep the isolate alive.
      const unsubscribe = signal ? internal.events.onAbort(signal, (reason) => { natives.clear(id); reject(reason); }) : () => {};
    });
  }
  get [Symbol.toStringTag]() { return "Scheduler"; }
}

return { scheduler: new Scheduler(kCreate) };
