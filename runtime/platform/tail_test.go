package platform

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/runtime"
)

// The JSON of a tail event is wrangler tail --format json's TailEventMessage, field for field
// (testdata/tail-*.json were written after wrangler 4.86's tail printers and Cloudflare's
// documented messages).
func TestTailEventShape(t *testing.T) {
	start := time.UnixMilli(1764771000000)
	req, _ := http.NewRequest("POST", "https://api.example.com/v1?q=1", nil)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("CF-Connecting-IP", "203.0.113.9")
	for _, tc := range []struct {
		golden string
		inv    *runtime.Invocation
	}{
		{"testdata/tail-request.json", &runtime.Invocation{
			Start: start, Request: req, URL: req.URL.String(), CF: map[string]any{"httpProtocol": "HTTP/1.1"}, Status: 500, Outcome: "exception",
			Logs: []runtime.LogEntry{
				{Level: "log", Args: []json.RawMessage{[]byte(`"handling"`), []byte(`{"path":"/v1","n":1}`)}, Time: start.Add(time.Millisecond)},
				{Level: "error", Text: "Uncaught (in promise) Error: later", Time: start.Add(time.Millisecond)},
			},
			Exceptions: []runtime.ExceptionEntry{{Name: "TypeError", Message: "x is not a function", Time: start.Add(2 * time.Millisecond)}},
		}},
		{"testdata/tail-scheduled.json", &runtime.Invocation{Start: start, Cron: "*/5 * * * *", ScheduledTime: start.Truncate(time.Minute), Outcome: "ok"}},
		{"testdata/tail-rpc.json", &runtime.Invocation{Start: start, Entrypoint: "Admin", RPCMethod: "whoami", Outcome: "ok",
			Logs: []runtime.LogEntry{{Level: "info", Text: "asked", Time: start}}}},
	} {
		got, err := json.MarshalIndent(tailEvent("api", "0199a1b2-v1", tc.inv), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(tc.golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.golden, got, want)
		}
		// It reads back as it was written.
		var back TailEvent
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		// Console arguments come back as plain JSON values (objects with sorted keys).
		again, _ := json.Marshal(back)
		var a, b any
		json.Unmarshal(again, &a)
		json.Unmarshal(got, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: read back as\n%s", tc.golden, again)
		}
	}
}

func TestTailFilter(t *testing.T) {
	request := func(method, outcome string, logs ...string) *TailEvent {
		ev := &TailEvent{Outcome: outcome, Event: &RequestEvent{Request: TailRequest{Method: method, Headers: map[string]string{"x-team": "blue", "cf-connecting-ip": "203.0.113.9"}}}}
		for _, l := range logs {
			ev.Logs = append(ev.Logs, TailLog{Message: []any{l}, Level: "log"})
		}
		return ev
	}
	scheduled := &TailEvent{Outcome: "exceededCpu", Event: &ScheduledEvent{Cron: "* * * * *"}}
	for _, tc := range []struct {
		name   string
		filter TailFilter
		ev     *TailEvent
		want   bool
	}{
		{"no filter", TailFilter{}, request("GET", "ok"), true},
		{"status ok", TailFilter{Status: []string{"ok"}}, request("GET", "ok"), true},
		{"status error keeps exceptions", TailFilter{Status: []string{"error"}}, request("GET", "exception"), true},
		{"status error keeps limits", TailFilter{Status: []string{"error"}}, scheduled, true},
		{"status error drops ok", TailFilter{Status: []string{"error"}}, request("GET", "ok"), false},
		{"status canceled", TailFilter{Status: []string{"ok", "canceled"}}, request("GET", "canceled"), true},
		{"method", TailFilter{Method: []string{"post", "PUT"}}, request("POST", "ok"), true},
		{"method drops others", TailFilter{Method: []string{"POST"}}, request("GET", "ok"), false},
		{"method drops scheduled", TailFilter{Method: []string{"GET"}}, scheduled, false},
		{"header present", TailFilter{Header: "X-Team"}, request("GET", "ok"), true},
		{"header value", TailFilter{Header: "x-team: blue"}, request("GET", "ok"), true},
		{"header other value", TailFilter{Header: "x-team:red"}, request("GET", "ok"), false},
		{"header absent", TailFilter{Header: "authorization"}, request("GET", "ok"), false},
		{"search", TailFilter{Search: "user 42"}, request("GET", "ok", "start", "found user 42"), true},
		{"search misses", TailFilter{Search: "user 43"}, request("GET", "ok", "found user 42"), false},
		{"search in JSON arguments", TailFilter{Search: `"id":7`}, &TailEvent{Logs: []TailLog{{Message: []any{json.RawMessage(`"found"`), json.RawMessage(`{"id":7}`)}}}}, true},
		{"ip", TailFilter{IP: []string{"203.0.113.9"}}, request("GET", "ok"), true},
		{"ip misses", TailFilter{IP: []string{"198.51.100.1"}}, request("GET", "ok"), false},
	} {
		if got := tc.filter.match(tc.ev); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.name, got, tc.want)
		}
	}

	// Sampling keeps about its share.
	kept := 0
	half := TailFilter{SamplingRate: 0.5}
	for range 4000 {
		if half.match(request("GET", "ok")) {
			kept++
		}
	}
	if kept < 1600 || kept > 2400 {
		t.Errorf("sampling rate 0.5 kept %d of 4000", kept)
	}
	for _, bad := range []TailFilter{{SamplingRate: 1}, {SamplingRate: -0.1}, {Status: []string{"failed"}}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if err := (TailFilter{SamplingRate: 2}).Check(); err == nil || !strings.HasPrefix(err.Error(), "A sampling rate must be between 0 and 1") {
		t.Errorf("sampling rate 2: %v, want wrangler's message", err)
	}
}
