package platform

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// configCrons reads triggers.crons from a worker's configuration.
func configCrons(raw map[string]any) ([]*cronSpec, error) {
	t, ok := raw["triggers"]
	if !ok {
		return nil, nil
	}
	table, ok := t.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("\"triggers\" must be a table with \"crons\"")
	}
	list, _ := table["crons"].([]any)
	if _, ok := table["crons"]; ok && list == nil {
		return nil, fmt.Errorf("\"triggers.crons\" must be an array of cron expressions")
	}
	var out []*cronSpec
	for _, item := range list {
		expr, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("\"triggers.crons\" must be an array of strings, got %T", item)
		}
		c, err := parseCron(expr)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// RunCrons fires the workers' cron triggers at the start of every minute (UTC) until ctx ends.
// A trigger fires on the version active at that minute; a run still going when the next
// minute comes does not stop the next one, as on Cloudflare.
func (p *Platform) RunCrons(ctx context.Context) {
	for {
		now := time.Now()
		next := now.Truncate(time.Minute).Add(time.Minute)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
		p.fireCrons(next)
	}
}

// fireCrons starts the runs of every trigger that matches the minute at.
func (p *Platform) fireCrons(at time.Time) {
	fs := p.front.Load()
	for name, l := range fs.live {
		for _, c := range l.crons {
			if c.matches(at) {
				go p.runScheduled(name, c.expr, at)
			}
		}
	}
}

// ScheduledResult is the outcome of one scheduled run.
type ScheduledResult struct {
	Cron          string    `json:"cron"`
	ScheduledTime time.Time `json:"scheduled_time"`
	// Outcome is "ok" or "exception".
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
	Version string `json:"version"`
}

// runScheduled runs one cron trigger of worker on its active version, and tells the worker's
// tail and the metrics how it went.
func (p *Platform) runScheduled(worker, cron string, at time.Time) (ScheduledResult, error) {
	res := ScheduledResult{Cron: cron, ScheduledTime: at.UTC()}
	for range 100 {
		l := p.front.Load().live[worker]
		if l == nil {
			return res, fail(http.StatusNotFound, "no worker %q", worker)
		}
		if !l.mu.TryRLock() {
			runtimeGosched()
			continue
		}
		defer l.mu.RUnlock()
		res.Version = l.version.ID
		inv, err := l.worker.ScheduledInvocation(context.Background(), cron, at)
		res.Outcome = "ok"
		if err != nil {
			res.Outcome, res.Error = "exception", err.Error()
			p.log.Error("scheduled handler failed", "worker", worker, "cron", cron, "error", res.Error)
		}
		p.metrics.scheduled(l.version.Tenant, worker, res.Outcome)
		p.tails.publish(tailEvent(worker, l.version.ID, inv))
		return res, nil
	}
	return res, fail(http.StatusServiceUnavailable, "worker %q is being replaced", worker)
}

// Trigger runs a cron trigger of the tenant's worker now, as the minute would: cron "" means
// the worker's first trigger, and any expression may be given, as wrangler dev's
// /__scheduled?cron= allows.
func (p *Platform) Trigger(tenant, worker, cron string) (ScheduledResult, error) {
	p.mu.Lock()
	d, err := p.owned(tenant, worker)
	p.mu.Unlock()
	if err != nil {
		return ScheduledResult{}, err
	}
	if d == nil {
		return ScheduledResult{}, fail(http.StatusNotFound, "no worker %q", worker)
	}
	if cron == "" && len(d.active.crons) > 0 {
		cron = d.active.crons[0].expr
	}
	return p.runScheduled(worker, cron, time.Now().Truncate(time.Second))
}
