package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/moltworker/molt/runtime"
)

// Client calls a platform's admin API with one tenant's token.
type Client struct {
	// URL is the admin API's base URL (http://127.0.0.1:8081).
	URL string
	// Token is the tenant's API token.
	Token string
	// HTTP is the client to use; nil means http.DefaultClient.
	HTTP *http.Client
}

// Deploy uploads b as a new version of worker and returns it, now active.
func (c *Client) Deploy(ctx context.Context, worker string, b *runtime.Bundle) (Version, error) {
	var v Version
	err := c.call(ctx, http.MethodPost, "/v1/workers/"+url.PathEscape(worker)+"/versions", NewUpload(b), &v)
	return v, err
}

// Versions lists worker's versions, oldest first.
func (c *Client) Versions(ctx context.Context, worker string) ([]Version, error) {
	var vs []Version
	err := c.call(ctx, http.MethodGet, "/v1/workers/"+url.PathEscape(worker)+"/versions", nil, &vs)
	return vs, err
}

// Workers lists the tenant's workers.
func (c *Client) Workers(ctx context.Context) ([]Version, error) {
	var vs []Version
	err := c.call(ctx, http.MethodGet, "/v1/workers", nil, &vs)
	return vs, err
}

// Rollback makes version id serve again; "" means the version before the active one.
func (c *Client) Rollback(ctx context.Context, worker, id string) (Version, error) {
	var v Version
	err := c.call(ctx, http.MethodPost, "/v1/workers/"+url.PathEscape(worker)+"/rollback", Rollback{Version: id}, &v)
	return v, err
}

// Trigger runs a cron trigger of worker now; cron "" is its first one.
func (c *Client) Trigger(ctx context.Context, worker, cron string) (ScheduledResult, error) {
	var res ScheduledResult
	err := c.call(ctx, http.MethodPost, "/v1/workers/"+url.PathEscape(worker)+"/scheduled?cron="+url.QueryEscape(cron), nil, &res)
	return res, err
}

// Delete removes worker.
func (c *Client) Delete(ctx context.Context, worker string) error {
	return c.call(ctx, http.MethodDelete, "/v1/workers/"+url.PathEscape(worker), nil, nil)
}

// Tail streams worker's invocations that pass filter to f until ctx ends, f returns an error,
// or the server ends the stream.
func (c *Client) Tail(ctx context.Context, worker string, filter TailFilter, f func(TailEvent) error) error {
	u := strings.TrimSuffix(c.URL, "/") + "/v1/workers/" + url.PathEscape(worker) + "/tail"
	if q := filter.Query().Encode(); q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("admin API URL %q: %w", c.URL, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := c.client().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		return apiError(res)
	}
	dec := json.NewDecoder(res.Body)
	for {
		var ev TailEvent
		if err := dec.Decode(&ev); err != nil {
			if err == io.EOF || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("tail %s: %w", worker, err)
		}
		if err := f(ev); err != nil {
			return err
		}
	}
}

func (c *Client) client() *http.Client {
	if c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
}

func apiError(res *http.Response) error {
	text, _ := io.ReadAll(res.Body)
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(text, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(text))
	}
	return &APIError{Status: res.StatusCode, Message: e.Error}
}

// APIError is an admin API call answered with an error status.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status) }

func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("admin API URL %q: %w", c.URL, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := c.client().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		return apiError(res)
	}
	text, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(text, out); err != nil {
		return fmt.Errorf("%s %s: answer: %w", method, path, err)
	}
	return nil
}
