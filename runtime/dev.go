package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Dev is molt dev: a Host serving one project, rebuilt and swapped whenever one of its source
// files changes. A build that fails is reported and the previous version keeps serving.
type Dev struct {
	Project Project
	Options Options
	Host    *Host
	Log     *slog.Logger
	// Poll is how often source files are checked for changes.
	Poll time.Duration
}

// Start builds the first version; it fails when that version cannot be built.
func (d *Dev) Start() error {
	w, err := Load(d.Project, d.Options)
	if err != nil {
		return err
	}
	d.report(w)
	d.Host.Swap(w)
	return nil
}

// Watch rebuilds on changes until ctx ends. It polls modification times: portable, no
// dependency, and cheap for the few hundred files a worker is built from.
func (d *Dev) Watch(ctx context.Context) {
	poll := d.Poll
	if poll == 0 {
		poll = 200 * time.Millisecond
	}
	stamps := snapshot(d.Host.Worker().Inputs)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := d.Host.Worker()
		now := snapshot(cur.Inputs)
		if equalStamps(now, stamps) {
			continue
		}
		stamps = now
		w, err := Load(d.Project, d.Options)
		if err != nil {
			d.Log.Error("build failed; still serving the previous version", "error", err.Error())
			continue
		}
		d.report(w)
		if old := d.Host.Swap(w); old != nil {
			old.Close()
		}
		d.Log.Info("reloaded", "version", w.Version)
		// The new version may be built from other files; for the files both versions use, keep
		// the stamps from before the build, so that an edit made while it ran triggers another.
		next := snapshot(w.Inputs)
		for f := range next {
			if v, ok := now[f]; ok {
				next[f] = v
			}
		}
		stamps = next
	}
}

func (d *Dev) report(w *Worker) {
	for _, warn := range w.Warnings {
		d.Log.Warn(warn)
	}
}

// snapshot records the modification time and size of each file; a missing file records zero,
// so creating it (a new .dev.vars) counts as a change.
func snapshot(files []string) map[string]string {
	m := make(map[string]string, len(files))
	for _, f := range files {
		if strings.Contains(f, "/node_modules/") {
			continue
		}
		if fi, err := os.Stat(f); err == nil {
			m[f] = fmt.Sprintf("%d/%d", fi.ModTime().UnixNano(), fi.Size())
		} else {
			m[f] = ""
		}
	}
	return m
}

func equalStamps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
