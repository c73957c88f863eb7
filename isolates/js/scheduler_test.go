package js

import "testing"

func TestSchedulerWait(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "waits on the timers", body: `
			const t0 = Date.now();
			const r = await scheduler.wait(20);
			return [r, Date.now() - t0 >= 19, typeof scheduler, typeof scheduler.wait, Object.prototype.toString.call(scheduler)];`,
			want: `[null,true,"object","function","[object Scheduler]"]`},
		{name: "ties resolve in scheduling order", body: `
			const order = [];
			await scheduler.wait("foo");
			await Promise.all([scheduler.wait(30).then(() => order.push(1)), scheduler.wait(30).then(() => order.push(2)),
				scheduler.wait(10).then(() => order.push(0)), scheduler.wait(50).then(() => order.push(3))]);
			return order;`,
			want: `[0,1,2,3]`},
		{name: "aborted signal", body: `await scheduler.wait(100000, { signal: AbortSignal.abort() });`,
			errName: "AbortError", errMsg: "The operation was aborted"},
		{name: "timeout signal", body: `await scheduler.wait(100000, { signal: AbortSignal.timeout(10) });`,
			errName: "TimeoutError", errMsg: "The operation was aborted due to timeout"},
		{name: "abort while waiting clears the timer", body: `
			const ac = new AbortController();
			const p = scheduler.wait(100000, { signal: ac.signal });
			ac.abort(new Error("stop"));
			await p;`,
			errName: "Error", errMsg: "stop"},
		{name: "monkeypatchable", body: `globalThis.scheduler = "foo"; return scheduler;`, want: `"foo"`},
	}))
}
