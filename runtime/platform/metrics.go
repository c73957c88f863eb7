package platform

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// durationBuckets are the upper bounds, in seconds, of the request duration histogram.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// metrics counts what the front and the admin API do, for Prometheus. It is written by hand
// in the text exposition format: a handful of series do not need a client library.
type metrics struct {
	mu        sync.Mutex
	requests  map[[3]string]uint64 // tenant, worker, status
	durations map[[2]string]*histogram
	deploys   map[[3]string]uint64 // tenant, worker, result
	runs      map[[3]string]uint64 // scheduled runs: tenant, worker, outcome
	calls     map[[3]string]uint64 // JS RPC calls over service bindings: tenant, worker, outcome
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[3]string]uint64{}, durations: map[[2]string]*histogram{}, deploys: map[[3]string]uint64{}, runs: map[[3]string]uint64{}, calls: map[[3]string]uint64{}}
}

func (m *metrics) request(tenant, worker string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[3]string{tenant, worker, strconv.Itoa(status)}]++
	h := m.durations[[2]string{tenant, worker}]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.durations[[2]string{tenant, worker}] = h
	}
	s := d.Seconds()
	for i, b := range durationBuckets {
		if s <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.count++
}

func (m *metrics) deploy(tenant, worker string, err error) {
	result := "ok"
	if err != nil {
		result = "refused"
	}
	m.mu.Lock()
	m.deploys[[3]string{tenant, worker, result}]++
	m.mu.Unlock()
}

func (m *metrics) scheduled(tenant, worker, outcome string) { m.count(m.runs, tenant, worker, outcome) }

// rpc counts a JS RPC call by outcome: ok, exception (the method threw), error (the call
// could not run: worker gone, limits).
func (m *metrics) rpc(tenant, worker, outcome string) { m.count(m.calls, tenant, worker, outcome) }

func (m *metrics) count(c map[[3]string]uint64, tenant, worker, label string) {
	m.mu.Lock()
	c[[3]string{tenant, worker, label}]++
	m.mu.Unlock()
}

// Metrics returns the handler of the platform's Prometheus metrics: requests by tenant, worker
// and status, their durations, deploys, and the workers serving. It shows every tenant's
// workers, so serve it to the operator only (listen.metrics), not on the tenants' admin API.
func (p *Platform) Metrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		m := p.metrics
		m.mu.Lock()
		b.WriteString("# HELP molt_requests_total Requests the public front answered.\n# TYPE molt_requests_total counter\n")
		for _, k := range sortedKeys(m.requests) {
			fmt.Fprintf(&b, "molt_requests_total{tenant=%q,worker=%q,status=%q} %d\n", k[0], k[1], k[2], m.requests[k])
		}
		b.WriteString("# HELP molt_request_duration_seconds Time to answer a request, until the handler returned.\n# TYPE molt_request_duration_seconds histogram\n")
		for _, k := range sortedKeys(m.durations) {
			h := m.durations[k]
			var cum uint64
			for i, bound := range durationBuckets {
				cum += h.counts[i]
				fmt.Fprintf(&b, "molt_request_duration_seconds_bucket{tenant=%q,worker=%q,le=%q} %d\n", k[0], k[1], strconv.FormatFloat(bound, 'g', -1, 64), cum)
			}
			fmt.Fprintf(&b, "molt_request_duration_seconds_bucket{tenant=%q,worker=%q,le=\"+Inf\"} %d\n", k[0], k[1], h.count)
			fmt.Fprintf(&b, "molt_request_duration_seconds_sum{tenant=%q,worker=%q} %g\n", k[0], k[1], h.sum)
			fmt.Fprintf(&b, "molt_request_duration_seconds_count{tenant=%q,worker=%q} %d\n", k[0], k[1], h.count)
		}
		b.WriteString("# HELP molt_deploys_total Deploys by result (refused: the upload changed nothing).\n# TYPE molt_deploys_total counter\n")
		for _, k := range sortedKeys(m.deploys) {
			fmt.Fprintf(&b, "molt_deploys_total{tenant=%q,worker=%q,result=%q} %d\n", k[0], k[1], k[2], m.deploys[k])
		}
		b.WriteString("# HELP molt_scheduled_total Cron trigger runs by outcome.\n# TYPE molt_scheduled_total counter\n")
		for _, k := range sortedKeys(m.runs) {
			fmt.Fprintf(&b, "molt_scheduled_total{tenant=%q,worker=%q,outcome=%q} %d\n", k[0], k[1], k[2], m.runs[k])
		}
		b.WriteString("# HELP molt_rpc_calls_total JS RPC calls over service bindings by the called worker and outcome.\n# TYPE molt_rpc_calls_total counter\n")
		for _, k := range sortedKeys(m.calls) {
			fmt.Fprintf(&b, "molt_rpc_calls_total{tenant=%q,worker=%q,outcome=%q} %d\n", k[0], k[1], k[2], m.calls[k])
		}
		m.mu.Unlock()
		fmt.Fprintf(&b, "# HELP molt_workers Workers serving.\n# TYPE molt_workers gauge\nmolt_workers %d\n", len(p.front.Load().live))
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write([]byte(b.String()))
	})
}

func sortedKeys[K [2]string | [3]string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		for n := range len(keys[i]) {
			if keys[i][n] != keys[j][n] {
				return keys[i][n] < keys[j][n]
			}
		}
		return false
	})
	return keys
}

// statusWriter records the status a handler sent; Unwrap and Flush keep streaming and
// http.ResponseController working through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
