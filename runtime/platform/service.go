package platform

import (
	"context"
	"fmt"
	"net/http"

	"github.com/moltworker/molt/bindings/service"
	"github.com/moltworker/molt/runtime"
)

// serviceTarget carries a service binding's requests and RPC calls to the active version of a
// worker of the same tenant, in process. It looks the worker up on every request, so the
// binding follows the target's deploys and rollbacks.
type serviceTarget struct {
	p              *Platform
	tenant, target string
}

// resolveService is the runtime.ServiceResolver of a tenant's workers: a worker may bind only
// workers of its own tenant. While the platform opens, workers load in no particular order,
// so the target's existence is checked on deploys only.
func (p *Platform) resolveService(tenant, self string) runtime.ServiceResolver {
	return func(target string) (service.Target, error) {
		if target != self && !p.opening.Load() {
			l := p.front.Load().live[target]
			if l == nil || l.version.Tenant != tenant {
				return nil, fail(http.StatusBadRequest, "service %q: the tenant has no worker of that name; deploy it first", target)
			}
		}
		return &serviceTarget{p: p, tenant: tenant, target: target}, nil
	}
}

// acquire finds the target's active version and read-locks it, so that it does not retire
// while the request or call runs; the caller unlocks l.mu.
func (t *serviceTarget) acquire() (*live, error) {
	for range 100 {
		l := t.p.front.Load().live[t.target]
		if l == nil || l.version.Tenant != t.tenant {
			return nil, fmt.Errorf("service binding: worker %q is not deployed", t.target)
		}
		if l.mu.TryRLock() {
			return l, nil
		}
		runtimeGosched()
	}
	return nil, fmt.Errorf("service binding: worker %q is being replaced", t.target)
}

func (t *serviceTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	l, err := t.acquire()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return runtime.ServeInProcess(l.host, req, l.mu.RUnlock), nil
}

func (t *serviceTarget) Call(ctx context.Context, entrypoint, method string, args []byte) (service.Result, error) {
	l, err := t.acquire()
	if err != nil {
		return service.Result{}, err
	}
	defer l.mu.RUnlock()
	res, err := l.host.Call(ctx, entrypoint, method, args)
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "error"
	case res.Threw:
		outcome = "exception"
	}
	t.p.metrics.rpc(t.tenant, t.target, outcome)
	return res, err
}
