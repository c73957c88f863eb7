package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/moltworker/molt/runtime"
)

// MaxUploadBytes bounds an upload's JSON body: bundle, source map and configuration.
const MaxUploadBytes = 64 << 20

// Upload is the body of a deploy: runtime.Bundle as JSON.
type Upload struct {
	// Script is the bundled script's file name (index.js).
	Script string `json:"script"`
	// Code is the bundled script, or a Wasm worker's module (base64 in JSON: it may be binary).
	Code []byte `json:"code"`
	// SourceMap is the script's source map, or "".
	SourceMap string `json:"source_map,omitempty"`
	// ServiceWorker is set for a service-worker-syntax script.
	ServiceWorker bool `json:"service_worker,omitempty"`
	// Wasm holds the CompiledWasm modules the script imports, by import name (base64 in JSON).
	Wasm map[string][]byte `json:"wasm,omitempty"`
	// Config is the normalized wrangler configuration (runtime.Bundle.Config).
	Config map[string]any `json:"config"`
	// Warnings are the client-side build's warnings, kept with the version.
	Warnings []string `json:"warnings,omitempty"`
}

// NewUpload makes the upload of a bundle.
func NewUpload(b *runtime.Bundle) Upload {
	return Upload{Script: b.Name, Code: b.Code, SourceMap: string(b.SourceMap), ServiceWorker: b.ServiceWorker, Wasm: b.Wasm, Config: b.Config, Warnings: b.Warnings}
}

// Rollback is the body of a rollback: the version to serve, or "" for the one before the active.
type Rollback struct {
	Version string `json:"version"`
}

// Admin returns the admin API's handler. Every call carries "Authorization: Bearer TOKEN"; the
// token's tenant is the only one whose workers the call can see or change.
//
//	GET    /v1/workers                     the tenant's workers (their active versions)
//	POST   /v1/workers/{name}/versions     deploy: body Upload; 201 with the Version
//	GET    /v1/workers/{name}/versions     the worker's versions, oldest first
//	POST   /v1/workers/{name}/rollback     body Rollback; the Version now active
//	DELETE /v1/workers/{name}              stop serving the worker and drop its versions
//	POST   /v1/workers/{name}/scheduled?cron=EXPR  run a cron trigger now; the ScheduledResult
//	GET    /v1/workers/{name}/tail         the worker's events (TailEvent) as NDJSON, live
//
// Errors are {"error": "..."} with 400 (bad upload), 401 (no or unknown token), 403 (another
// tenant's worker or domain), 404, 409 (route taken, nothing to roll back to).
func (p *Platform) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/workers", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		vs := p.Workers(tenant)
		if vs == nil {
			vs = []Version{}
		}
		return vs, http.StatusOK, nil
	}))
	mux.HandleFunc("POST /v1/workers/{name}/versions", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		var u Upload
		if err := decode(w, r, &u); err != nil {
			return nil, 0, err
		}
		v, err := p.Deploy(tenant, r.PathValue("name"), &runtime.Bundle{
			Name: u.Script, Code: u.Code, SourceMap: []byte(u.SourceMap), ServiceWorker: u.ServiceWorker, Wasm: u.Wasm, Config: u.Config, Warnings: u.Warnings,
		})
		return v, http.StatusCreated, err
	}))
	mux.HandleFunc("GET /v1/workers/{name}/versions", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		vs, err := p.Versions(tenant, r.PathValue("name"))
		return vs, http.StatusOK, err
	}))
	mux.HandleFunc("POST /v1/workers/{name}/rollback", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		var body Rollback
		if r.ContentLength != 0 {
			if err := decode(w, r, &body); err != nil {
				return nil, 0, err
			}
		}
		v, err := p.Rollback(tenant, r.PathValue("name"), body.Version)
		return v, http.StatusOK, err
	}))
	mux.HandleFunc("DELETE /v1/workers/{name}", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		name := r.PathValue("name")
		return map[string]string{"deleted": name}, http.StatusOK, p.Delete(tenant, name)
	}))
	mux.HandleFunc("POST /v1/workers/{name}/scheduled", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		res, err := p.Trigger(tenant, r.PathValue("name"), r.URL.Query().Get("cron"))
		return res, http.StatusOK, err
	}))
	mux.HandleFunc("GET /v1/workers/{name}/tail", p.auth(func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error) {
		return p.serveTail(tenant, r.PathValue("name"), w, r)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no admin API call %s %s", r.Method, r.URL.Path)})
	})
	return mux
}

type adminFunc func(tenant string, w http.ResponseWriter, r *http.Request) (any, int, error)

// auth resolves the bearer token to its tenant before f runs, and writes f's result as JSON.
func (p *Platform) auth(f adminFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="molt"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing API token: send Authorization: Bearer TOKEN"})
			return
		}
		tenant, err := p.tokens.tenant(token)
		if err != nil {
			p.log.Error("reading API tokens", "error", err.Error())
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot read API tokens"})
			return
		}
		if _, known := p.cfg.Tenants[tenant]; tenant == "" || !known {
			w.Header().Set("WWW-Authenticate", `Bearer realm="molt", error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid API token"})
			return
		}
		out, status, err := f(tenant, w, r)
		if out == nil && status == 0 && err == nil {
			return // f streamed its answer itself
		}
		if err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				status = pe.Status
			} else {
				status = http.StatusInternalServerError
				p.log.Error("admin API", "tenant", tenant, "path", r.URL.Path, "error", err.Error())
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, status, out)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxUploadBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(http.StatusRequestEntityTooLarge, "request body over %d bytes", mbe.Limit)
		}
		return fail(http.StatusBadRequest, "request body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
