// Package pull downloads GGUF model files into a models directory and
// names them in its models.toml, so that env.AI.run finds them:
//
//	path, err := pull.Pull(ctx, "@cf/meta/llama-3.2-1b-instruct", pull.Options{Dir: dir, Progress: os.Stderr})
//
// Downloads go to FILE.part and resume from its end with an HTTP Range
// request, within one Pull (after a dropped connection) and across runs.
// The finished file is checked against its SHA-256 (from the catalog or
// Options.SHA256) and its size before it is renamed into place and
// registered; a file that fails the check is deleted, never registered.
package pull

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// Options say where a model comes from and goes to.
type Options struct {
	// Dir is the models directory; it is created if missing.
	Dir string
	// URL downloads from here instead of the catalog's URL; with it, any
	// model name can be pulled.
	URL string
	// SHA256 is the expected checksum (hex), overriding the catalog's.
	SHA256 string
	// Client makes the requests; http.DefaultClient when nil.
	Client *http.Client
	// Progress receives a progress bar (stderr in molt ai pull); nil for
	// none.
	Progress io.Writer
	// Retries is how many attempts in a row may fail without receiving a
	// byte before Pull gives up (default 4). An attempt that received data
	// before its connection dropped does not count.
	Retries int
}

// Result says what Pull did.
type Result struct {
	Path     string // the model file
	Size     int64
	SHA256   string // of the file, hex
	Verified bool   // whether SHA256 was checked against a known checksum
	Resumed  int64  // bytes that were already in FILE.part
}

// Pull downloads model name (a Workers AI name, such as
// "@cf/meta/llama-3.2-1b-instruct") into opts.Dir and names it in
// models.toml. A file already in place is checked, not downloaded again.
func Pull(ctx context.Context, name string, opts Options) (Result, error) {
	e, err := resolve(name, opts)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("pull %s: %w", name, err)
	}
	dest := filepath.Join(opts.Dir, e.File)
	res := Result{Path: dest}
	if _, err := os.Stat(dest); err == nil {
		res.Size, res.SHA256, err = hashFile(dest)
		if err != nil {
			return res, fmt.Errorf("pull %s: %w", name, err)
		}
		if err := e.check(res.Size, res.SHA256); err != nil {
			return res, fmt.Errorf("pull %s: %s is already there but %w; delete it to download again", name, dest, err)
		}
	} else {
		if res, err = download(ctx, e, dest, opts); err != nil {
			return res, fmt.Errorf("pull %s: %w", name, err)
		}
	}
	res.Verified = e.SHA256 != ""
	if err := Register(opts.Dir, name, e.File); err != nil {
		return res, fmt.Errorf("pull %s: %w", name, err)
	}
	return res, nil
}

// resolve finds the entry to pull: the catalog's, overridden by opts.
func resolve(name string, opts Options) (Entry, error) {
	e, ok := Lookup(name)
	if opts.URL != "" {
		u, err := url.Parse(opts.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Entry{}, fmt.Errorf("pull %s: --url %q is not an http(s) URL", name, opts.URL)
		}
		file := path.Base(u.Path)
		if !strings.HasSuffix(strings.ToLower(file), ".gguf") {
			return Entry{}, fmt.Errorf("pull %s: --url %q does not name a .gguf file", name, opts.URL)
		}
		e = Entry{Name: name, URL: opts.URL, File: file}
	} else if !ok {
		return Entry{}, fmt.Errorf("pull %s: not in the catalog (molt ai pull --catalog lists it); give --url", name)
	}
	if opts.SHA256 != "" {
		sum, err := hex.DecodeString(opts.SHA256)
		if err != nil || len(sum) != sha256.Size {
			return Entry{}, fmt.Errorf("pull %s: --sha256 %q is not 64 hex digits", name, opts.SHA256)
		}
		e.SHA256 = strings.ToLower(opts.SHA256)
	}
	if e.File == "" || e.File != filepath.Base(e.File) || e.File == "." || e.File == ".." {
		return Entry{}, fmt.Errorf("pull %s: bad file name %q", name, e.File)
	}
	return e, nil
}

// check compares a finished file with what the entry says of it.
func (e Entry) check(size int64, sum string) error {
	if e.Size > 0 && size != e.Size {
		return fmt.Errorf("its size is %d bytes, want %d", size, e.Size)
	}
	if e.SHA256 != "" && sum != e.SHA256 {
		return fmt.Errorf("its sha256 is %s, want %s", sum, e.SHA256)
	}
	return nil
}

func hashFile(p string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", p, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// errPermanent marks failures that retrying cannot fix.
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

// download fetches e into dest via dest.part, resuming and retrying.
func download(ctx context.Context, e Entry, dest string, opts Options) (Result, error) {
	part := dest + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	// The hash covers what the .part already holds, then every new byte.
	h := sha256.New()
	have, err := io.Copy(h, f)
	if err != nil {
		return Result{}, fmt.Errorf("read %s: %w", part, err)
	}
	if e.Size > 0 && have > e.Size {
		if have, err = restart(f, h); err != nil {
			return Result{}, err
		}
	}
	res := Result{Path: dest, Resumed: have}
	bar := newProgress(opts.Progress, e.File)
	retries := opts.Retries
	if retries <= 0 {
		retries = 4
	}
	for failures := 0; ; {
		before := have
		var total int64
		total, err = fetch(ctx, e.URL, f, h, &have, opts.Client, bar)
		if err == nil {
			if e.Size > 0 && total > 0 && total != e.Size {
				return res, fmt.Errorf("%s is %d bytes, the catalog says %d", e.URL, total, e.Size)
			}
			break
		}
		var perm errPermanent
		if errors.As(err, &perm) || ctx.Err() != nil {
			return res, fmt.Errorf("%s: %w (%d bytes kept in %s; run again to resume)", e.URL, err, have, part)
		}
		if have > before {
			failures = 0
		} else if failures++; failures >= retries {
			return res, fmt.Errorf("%s: %w (gave up after %d attempts; %d bytes kept in %s; run again to resume)", e.URL, err, failures, have, part)
		}
		bar.note(fmt.Sprintf("connection lost (%v); resuming at byte %d", err, have))
		select {
		case <-time.After(time.Duration(failures) * 500 * time.Millisecond):
		case <-ctx.Done():
			return res, fmt.Errorf("%s: %w (%d bytes kept in %s; run again to resume)", e.URL, ctx.Err(), have, part)
		}
	}
	bar.done()
	res.Size, res.SHA256 = have, hex.EncodeToString(h.Sum(nil))
	if err := e.check(res.Size, res.SHA256); err != nil {
		f.Close()
		os.Remove(part) // resuming cannot repair it
		return res, fmt.Errorf("downloaded %s but %w; the file was deleted", e.URL, err)
	}
	if err := checkMagic(f); err != nil {
		f.Close()
		os.Remove(part)
		return res, fmt.Errorf("%s: %w; the file was deleted", e.URL, err)
	}
	if err := f.Sync(); err != nil {
		return res, err
	}
	if err := f.Close(); err != nil {
		return res, err
	}
	return res, os.Rename(part, dest)
}

// checkMagic refuses what is not a GGUF file (an HTML error page, say).
func checkMagic(f *os.File) error {
	magic := make([]byte, len(gguf.Magic))
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != gguf.Magic {
		return fmt.Errorf("the download is not a GGUF file (it starts %q)", magic)
	}
	return nil
}

// restart empties the .part file and the hash.
func restart(f *os.File, h hash.Hash) (int64, error) {
	h.Reset()
	if err := f.Truncate(0); err != nil {
		return 0, err
	}
	_, err := f.Seek(0, io.SeekStart)
	return 0, err
}

// fetch requests url from byte *have on and appends the body to f and h,
// advancing *have. It returns the whole file's size when the server said.
func fetch(ctx context.Context, u string, f *os.File, h hash.Hash, have *int64, client *http.Client, bar *progress) (int64, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, errPermanent{err}
	}
	req.Header.Set("User-Agent", "molt-ai-pull")
	if *have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(*have, 10)+"-")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var total int64 = -1
	switch resp.StatusCode {
	case http.StatusOK: // the whole file: the server ignored the range
		if *have > 0 {
			if *have, err = restart(f, h); err != nil {
				return 0, errPermanent{err}
			}
		}
		total = resp.ContentLength
	case http.StatusPartialContent:
		start, size, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != *have {
			return 0, errPermanent{fmt.Errorf("bad Content-Range %q for a request from byte %d", resp.Header.Get("Content-Range"), *have)}
		}
		total = size
	case http.StatusRequestedRangeNotSatisfiable:
		// The .part holds the whole file already, if the server's size says so.
		if _, size, ok := contentRange(resp.Header.Get("Content-Range")); ok && size == *have {
			return size, nil
		}
		if *have, err = restart(f, h); err != nil {
			return 0, errPermanent{err}
		}
		return 0, fmt.Errorf("the server refused to resume at byte %d", *have)
	default:
		err := fmt.Errorf("HTTP %s", resp.Status)
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return 0, err
		}
		return 0, errPermanent{err}
	}
	bar.start(*have, total)
	if _, err := f.Seek(*have, io.SeekStart); err != nil {
		return 0, errPermanent{err}
	}
	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return 0, errPermanent{fmt.Errorf("write %s: %w", f.Name(), err)}
			}
			h.Write(buf[:n])
			*have += int64(n)
			bar.update(*have)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return 0, rerr
		}
	}
	if total >= 0 && *have != total {
		return 0, fmt.Errorf("the body ended at byte %d of %d", *have, total)
	}
	return total, nil
}

// contentRange parses "bytes START-END/SIZE" (or "bytes */SIZE"); size is
// -1 when "*".
func contentRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, total, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	size = -1
	if total != "*" {
		var err error
		if size, err = strconv.ParseInt(total, 10, 64); err != nil || size < 0 {
			return 0, 0, false
		}
	}
	if rng == "*" {
		return 0, size, true
	}
	first, _, found := strings.Cut(rng, "-")
	start, err := strconv.ParseInt(first, 10, 64)
	if !found || err != nil || start < 0 {
		return 0, 0, false
	}
	return start, size, true
}
