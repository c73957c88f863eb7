package cli

import (
	"testing"
	"time"

	"github.com/moltworker/molt/runtime/platform"
)

// molt tail's pretty format prints wrangler tail's lines: the event with its outcome, then its
// console messages and exceptions.
func TestPrettyEvent(t *testing.T) {
	ms := int64(1764771000000)
	at := time.UnixMilli(ms).Local().Format(time.DateTime)
	logs := []platform.TailLog{{Message: []any{"handling /x"}, Level: "log"}}
	for _, tc := range []struct {
		ev   platform.TailEvent
		want string
	}{
		{platform.TailEvent{Outcome: "exception", EventTimestamp: ms, Logs: logs,
			Exceptions: []platform.TailException{{Name: "TypeError", Message: "boom"}},
			Event:      &platform.RequestEvent{Request: platform.TailRequest{Method: "get", URL: "https://a.test/x"}}},
			"GET https://a.test/x - Exception Thrown @ " + at + "\n  (log) handling /x\n  ✘ TypeError: boom\n"},
		{platform.TailEvent{Outcome: "ok", EventTimestamp: ms, Event: &platform.ScheduledEvent{Cron: "*/5 * * * *", ScheduledTime: ms}},
			`"*/5 * * * *" @ ` + at + " - Ok\n"},
		{platform.TailEvent{Outcome: "exceededCpu", EventTimestamp: ms, Entrypoint: "Admin", Event: &platform.RPCEvent{RPCMethod: "whoami"}},
			"Admin.whoami - Exceeded CPU Limit @ " + at + "\n"},
		{platform.TailEvent{Outcome: "canceled", EventTimestamp: ms}, "Unknown Event - Canceled @ " + at + "\n"},
	} {
		if got := prettyEvent(tc.ev); got != tc.want {
			t.Errorf("got %q\nwant %q", got, tc.want)
		}
	}
}
