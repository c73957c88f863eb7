package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/moltworker/molt/isolates/js"
)

// Scheduled runs the worker's scheduled handler for the cron trigger cron, due at at, in a
// fresh isolate, under the worker's CPU and wall-clock limits; its ctx.waitUntil work runs to
// the end (bounded by Limits.WaitUntil) before Scheduled returns.
func (w *Worker) Scheduled(ctx context.Context, cron string, at time.Time) error {
	return w.scheduled(ctx, cron, at, nil)
}

// scheduled is Scheduled with the isolate's console output also sent to tap, if not nil.
func (w *Worker) scheduled(ctx context.Context, cron string, at time.Time, tap js.Console) (err error) {
	defer recoverInto(slog.Default().With("cron", cron), &err)
	if w.pool == nil {
		return errors.New("scheduled events reach JavaScript workers only")
	}
	iso, err := w.pool.Get()
	if err != nil {
		return fmt.Errorf("worker failed to start: %w", err)
	}
	defer iso.Close()
	if tap != nil {
		iso.Tap(tap)
	}
	ctx, cancel := context.WithTimeout(ctx, w.Limits.Wall)
	defer cancel()
	err = iso.Scheduled(cron, at, ctx.Done())
	if errors.Is(err, js.ErrStopped) && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("the scheduled handler did not finish within the wall-clock limit (%s)", w.Limits.Wall)
	}
	if ferr := iso.Finish(w.Limits.WaitUntil); ferr != nil && !errors.Is(ferr, js.ErrStalled) && err == nil {
		err = fmt.Errorf("waitUntil work did not finish: %w", ferr)
	}
	return err
}
