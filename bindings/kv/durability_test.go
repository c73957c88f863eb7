package kv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// durabilityChild is set in the environment of the child process TestKillNine starts.
const durabilityChild = "MOLT_KV_DURABILITY_CHILD"

// TestKillNine puts under load in a child process, SIGKILLs it mid-stream and checks that every
// put the child saw return is in the file when it is opened again.
func TestKillNine(t *testing.T) {
	if dir := os.Getenv(durabilityChild); dir != "" {
		runDurabilityChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNine$", "-test.v")
	cmd.Env = append(os.Environ(), durabilityChild+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]string{}
	sc := bufio.NewScanner(out)
	deadline := time.After(30 * time.Second)
	killed := false
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break read
			}
			if k, v, ok := strings.Cut(strings.TrimPrefix(l, "ack "), "="); ok && strings.HasPrefix(l, "ack ") {
				acked[k] = v
			}
			// Kill in the middle of the stream, with puts still in flight.
			if len(acked) == 3000 && !killed {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the child did not reach 3000 acknowledged puts in 30 s")
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("the child ended before it was killed, after %d puts", len(acked))
	}
	s, err := OpenBolt(filepath.Join(dir, "kv.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns := NewNamespace(s, "DURABLE")
	missing := 0
	for k, v := range acked {
		e, ok, err := ns.Get(k, GetOptions{})
		if err != nil || !ok || string(e.Value) != v {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged key %s: ok=%v err=%v value %.20q", k, ok, err, e.Value)
			}
		}
	}
	res, _ := ns.List(ListOptions{})
	t.Logf("%d puts acknowledged before SIGKILL, %d lost; the first page of the reopened file lists %d keys", len(acked), missing, len(res.Keys))
	if missing > 0 {
		t.Fatalf("%d acknowledged puts lost", missing)
	}
}

// runDurabilityChild puts from 32 goroutines forever, printing each put once it has returned.
func runDurabilityChild(dir string) {
	s, err := OpenBolt(filepath.Join(dir, "kv.db"), BoltOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ns := NewNamespace(s, "DURABLE")
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := fmt.Sprintf("g%02d/%06d", g, i)
				// Every fourth value is large enough to be compressed.
				v := fmt.Sprintf("value-%d-%d", g, i)
				if i%4 == 0 {
					v = strings.Repeat(v, 600)
				}
				if err := ns.Put(k, []byte(v), PutOptions{}); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(w, "ack %s=%s\n", k, v)
				w.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
