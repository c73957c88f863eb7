package durable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// NamespaceOptions describe a Durable Object namespace: one class of one worker.
type NamespaceOptions struct {
	// UniqueKey tells namespaces apart: ids are derived from it, so an id of one namespace
	// is refused by another. molt uses "<worker>-<class>", as wrangler dev does.
	UniqueKey string
	// ClassName is the exported class implementing the objects.
	ClassName string
	// Dir holds the namespace's object databases and alarm records.
	Dir string
	// SQL marks a SQLite-backed class (new_sqlite_classes).
	SQL bool
	// NoSync commits storage without fsync; see StorageOptions.
	NoSync bool
	// Log receives alarm failures; nil means slog.Default().
	Log *slog.Logger
}

// Namespace is a Durable Object namespace: it makes ids, opens object storage and keeps the
// objects' alarms, and hands events to the Engine that runs the objects. It is safe for
// concurrent use.
type Namespace struct {
	opts   NamespaceOptions
	key    idKey
	engine Engine

	mu     sync.Mutex
	timers map[ID]*time.Timer
	closed bool
	wg     sync.WaitGroup
}

// MaxAlarmRetries is how many times a failing alarm handler is retried, with exponential
// backoff from 2 s, before the alarm is dropped (Cloudflare's documented behaviour).
const MaxAlarmRetries = 6

// alarmBackoff is the delay before retry n (1-based): 2 s, 4 s, 8 s...
func alarmBackoff(n int) time.Duration { return 2 * time.Second << (n - 1) }

// NewNamespace returns the namespace opts describes. It starts no alarms until Start.
func NewNamespace(opts NamespaceOptions) (*Namespace, error) {
	if opts.UniqueKey == "" || opts.Dir == "" {
		return nil, errors.New("durable: a namespace needs a unique key and a directory")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Namespace{opts: opts, key: newIDKey(opts.UniqueKey), timers: map[ID]*time.Timer{}}, nil
}

// UniqueKey is the namespace's unique key.
func (n *Namespace) UniqueKey() string { return n.opts.UniqueKey }

// ClassName is the exported class implementing the namespace's objects.
func (n *Namespace) ClassName() string { return n.opts.ClassName }

// SQL reports whether the namespace's class is SQLite-backed.
func (n *Namespace) SQL() bool { return n.opts.SQL }

// IDFromName is the id of the object called name: the same name always gives the same id.
func (n *Namespace) IDFromName(name string) ID { return n.key.fromName(name) }

// NewUniqueID is a fresh random id.
func (n *Namespace) NewUniqueID() ID { return n.key.unique() }

// IDFromString parses an id's 64 hex digits, refusing ids of other namespaces.
func (n *Namespace) IDFromString(s string) (ID, error) { return n.key.parse(s) }

// Start makes n deliver its events to e and arms the alarms recorded on disk, so that alarms
// set before a restart still run.
func (n *Namespace) Start(e Engine) error {
	n.mu.Lock()
	n.engine = e
	n.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(n.opts.Dir, "*.alarm"))
	if err != nil {
		return fmt.Errorf("durable: alarms of %s: %w", n.opts.UniqueKey, err)
	}
	for _, f := range files {
		id, err := n.key.parse(strings.TrimSuffix(filepath.Base(f), ".alarm"))
		if err != nil {
			continue
		}
		ms, name, err := readAlarm(f)
		if err != nil {
			n.opts.Log.Warn("durable: unreadable alarm record", "file", f, "error", err)
			continue
		}
		n.arm(id, name, ms, 0)
	}
	return nil
}

// Close stops the alarm timers and waits for alarm events in flight.
func (n *Namespace) Close() {
	n.mu.Lock()
	n.closed = true
	for id, t := range n.timers {
		t.Stop()
		delete(n.timers, id)
	}
	n.mu.Unlock()
	n.wg.Wait()
}

// Send delivers c to object id through the engine and returns a function that waits for
// the reply; see Engine.Send.
func (n *Namespace) Send(id ID, name string, c Call) (wait func(ctx context.Context) (Reply, error)) {
	n.mu.Lock()
	e := n.engine
	n.mu.Unlock()
	if e == nil {
		return func(context.Context) (Reply, error) {
			return Reply{}, fmt.Errorf("durable: namespace %s is not started", n.opts.UniqueKey)
		}
	}
	return e.Send(n, id, name, c)
}

// Invoke delivers c to object id and waits for the reply.
func (n *Namespace) Invoke(ctx context.Context, id ID, name string, c Call) (Reply, error) {
	return n.Send(id, name, c)(ctx)
}

// StoragePath is the database file of object id.
func (n *Namespace) StoragePath(id ID) string {
	return filepath.Join(n.opts.Dir, id.String()+".sqlite")
}

// OpenStorage opens the storage of object id; the engine calls it when it starts the object.
func (n *Namespace) OpenStorage(id ID) (*Storage, error) {
	return OpenStorage(n.StoragePath(id), StorageOptions{SQL: n.opts.SQL, NoSync: n.opts.NoSync})
}

func (n *Namespace) alarmPath(id ID) string { return filepath.Join(n.opts.Dir, id.String()+".alarm") }

// AlarmSet records that object id (named name) has its alarm at ms, and arms it. The
// object calls it when setAlarm() runs, before its storage write is flushed, so that the
// record on disk always covers the alarm in storage; a record without an alarm only wakes
// the object once for nothing.
func (n *Namespace) AlarmSet(id ID, name string, ms int64) error {
	if err := writeAlarm(n.alarmPath(id), ms, name, !n.opts.NoSync); err != nil {
		return fmt.Errorf("durable: record alarm of %s: %w", id, err)
	}
	n.arm(id, name, ms, 0)
	return nil
}

// AlarmDeleted stops the timer of object id's alarm. The record stays until the object,
// woken by it after a restart, confirms it has no alarm: the deletion is only durable once
// the object's storage is flushed.
func (n *Namespace) AlarmDeleted(id ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if t := n.timers[id]; t != nil {
		t.Stop()
		delete(n.timers, id)
	}
}

// arm sets the timer of id's alarm for ms, attempt retry.
func (n *Namespace) arm(id ID, name string, ms int64, retry int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if t := n.timers[id]; t != nil {
		t.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(time.Until(time.UnixMilli(ms)), func() {
		n.mu.Lock()
		if n.timers[id] != t || n.closed {
			n.mu.Unlock()
			return
		}
		delete(n.timers, id)
		n.wg.Add(1)
		n.mu.Unlock()
		defer n.wg.Done()
		n.fire(id, name, ms, retry)
	})
	n.timers[id] = t
}

// fire runs object id's alarm and schedules what follows: a retry with backoff after a
// failure, the next alarm if the handler set one, or nothing.
func (n *Namespace) fire(id ID, name string, ms int64, retry int) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	reply, err := n.Invoke(ctx, id, name, Call{Kind: CallAlarm, RetryCount: retry})
	failed := err != nil || reply.Threw
	next := reply.Alarm
	if err != nil {
		n.opts.Log.Error("durable: alarm failed to run", "namespace", n.opts.UniqueKey, "id", id.String(), "error", err)
		// The object could not say what its alarm is now; retry the one that fired.
		next = ms
	}
	now := time.Now().UnixMilli()
	switch {
	case failed && next != 0 && next <= now && retry < MaxAlarmRetries:
		n.arm(id, name, now+alarmBackoff(retry+1).Milliseconds(), retry+1)
	case next != 0 && next > now:
		n.arm(id, name, next, 0)
	case next != 0 && !failed:
		n.arm(id, name, next, 0)
	default:
		n.mu.Lock()
		_, rearmed := n.timers[id]
		n.mu.Unlock()
		if !rearmed {
			if err := os.Remove(n.alarmPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
				n.opts.Log.Warn("durable: remove alarm record", "error", err)
			}
		}
	}
}

// writeAlarm replaces an alarm record atomically: "<ms>\n<name>".
func writeAlarm(path string, ms int64, name string, sync bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.FormatInt(ms, 10) + "\n" + name)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func readAlarm(path string) (ms int64, name string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	ms, err = strconv.ParseInt(first, 10, 64)
	return ms, rest, err
}
