package runtime

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/moltworker/molt/bindings/kv"
)

// While molt dev holds a state directory, molt kv reaches the same data through the socket the
// running process serves it on, both ways; the socket goes when the last worker closes.
func TestKVServedWhileRunning(t *testing.T) {
	dir := kvProject(t, "[[kv_namespaces]]\nbinding = \"DATA\"\nid = \"ns1\"\n")
	state := t.TempDir()
	w, err := Load(Project{Path: dir}, Options{PersistTo: state})
	if err != nil {
		t.Fatal(err)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv := httptest.NewServer(host)
	defer srv.Close()

	// A second process finds the file locked and the socket there.
	if _, err := kv.OpenBolt(KVPath(state), kv.BoltOptions{LockTimeout: 50e6}); err == nil {
		t.Fatal("the store file opened twice")
	}
	remote := kv.DialRemote(KVSocket(state))
	defer remote.Close()
	ns := kv.NewNamespace(remote, "ns1")
	if err := ns.Put("from-cli", []byte("hello worker"), kv.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, srv.URL+"/get?key=from-cli"); body != "hello worker" {
		t.Errorf("the worker read %q, want what the other process put", body)
	}
	if _, body := get(t, srv.URL+"/put?key=from-worker&value=hi"); body != "stored" {
		t.Fatalf("put: %q", body)
	}
	e, ok, err := ns.Get("from-worker", kv.GetOptions{})
	if err != nil || !ok || string(e.Value) != "hi" {
		t.Errorf("the other process read %q, %v, %v; want hi", e.Value, ok, err)
	}
	res, err := ns.List(kv.ListOptions{})
	if err != nil || len(res.Keys) != 2 {
		t.Errorf("list through the socket: %+v, %v; want 2 keys", res, err)
	}
	if _, _, err := ns.Get("", kv.GetOptions{}); err == nil {
		t.Error("an empty key passed the checks through the socket")
	}

	w.Close()
	if _, err := os.Stat(KVSocket(state)); !os.IsNotExist(err) {
		t.Errorf("socket still there after the worker closed: %v", err)
	}
}
