package examples

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moltworker/molt/runtime"
)

// TestDocumentSurvivesRestart edits a do-document document, closes the worker (as stopping
// molt dev does), loads the project again on the same state and reads the document back.
func TestDocumentSurvivesRestart(t *testing.T) {
	state := t.TempDir()
	session := func(do func(base string)) {
		w, err := runtime.Load(runtime.Project{Path: "do-document"}, runtime.Options{PersistTo: state})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		host := runtime.NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
		host.Swap(w)
		srv := httptest.NewServer(host)
		defer srv.Close()
		do(srv.URL)
	}
	send := func(method, url, body string) string {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	session(func(base string) {
		send("POST", base+"/doc/edit", `{"baseVersion": 0, "op": "title", "title": "Kept"}`)
		send("POST", base+"/doc/edit", `{"baseVersion": 1, "op": "append", "author": "ann", "text": "survives"}`)
	})
	session(func(base string) {
		want := `{"title":"Kept","version":2,"paragraphs":[{"position":1,"author":"ann","text":"survives"}],"authors":["ann"]}`
		if got := send("GET", base+"/doc", ""); got != want {
			t.Fatalf("after a restart:\n got %s\nwant %s", got, want)
		}
		if got := send("POST", base+"/doc/edit", `{"baseVersion": 2, "op": "append", "author": "bob", "text": "more"}`); got != `{"version":3}` {
			t.Fatalf("editing after a restart: %s", got)
		}
	})
}
