package runtime

import (
	"fmt"
	"net/http"

	"github.com/moltworker/molt/bindings/service"
	"github.com/moltworker/molt/runtime/config"
)

// ServiceResolver finds the transport to the worker a service binding names; molt serve
// resolves names within the deploying tenant.
type ServiceResolver func(worker string) (http.RoundTripper, error)

// serviceBindings adds the configuration's [[services]] to env. Without a resolver (molt dev
// runs one worker) they are left out with a warning rather than failing the worker.
func serviceBindings(cfg *config.Config, resolve ServiceResolver, env map[string]any) (warnings []string, err error) {
	raw, ok := cfg.Raw["services"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: \"services\" must be an array of tables with \"binding\" and \"service\"", configName(cfg))
	}
	for i, item := range list {
		t, _ := item.(map[string]any)
		binding, _ := t["binding"].(string)
		target, _ := t["service"].(string)
		if binding == "" || target == "" {
			return nil, fmt.Errorf("%s: services[%d] needs a \"binding\" and a \"service\"", configName(cfg), i)
		}
		if ep, _ := t["entrypoint"].(string); ep != "" {
			return nil, fmt.Errorf("%s: services[%d]: entrypoint %q: named entrypoints are not supported yet; bind the default export", configName(cfg), i, ep)
		}
		if resolve == nil {
			warnings = append(warnings, fmt.Sprintf("service binding %s (to %q) is not available here: molt dev runs one worker; molt serve resolves service bindings", binding, target))
			continue
		}
		rt, err := resolve(target)
		if err != nil {
			return nil, fmt.Errorf("%s: services[%d] %s: %w", configName(cfg), i, binding, err)
		}
		env[binding] = &service.Binding{Service: target, Transport: rt}
	}
	return warnings, nil
}
