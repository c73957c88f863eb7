package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/config"
)

func devCommand() *cobra.Command {
	var (
		port        int
		ip          string
		cfgPaths    []string
		vars        []string
		persistTo   string
		models      string
		compatDate  string
		env         string
		upstream    string
		wallTimeout time.Duration
		scheduled   bool
	)
	cmd := &cobra.Command{
		Use:   "dev [DIR|FILE]...",
		Short: "Run a Workers project locally, rebuilding it when its files change",
		Long: "molt dev serves a Workers project (a folder with wrangler.toml, wrangler.json or wrangler.jsonc,\n" +
			"or a single .js/.ts entry file) on a local port, as wrangler dev does.\n\n" +
			"Given several projects (molt dev ./api ./auth, or several -c), it serves the first and runs the\n" +
			"others beside it, reachable through service bindings and Durable Object script_name bindings,\n" +
			"as wrangler dev does with several -c configurations; each is rebuilt on its own changes.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			projects, err := devProjects(args, cfgPaths)
			if err != nil {
				return err
			}
			for i := range projects {
				p := &projects[i]
				p.Env, p.CompatibilityDate, p.Vars = env, compatDate, map[string]string{}
				for _, v := range vars {
					k, val, err := config.ParseVarFlag(v)
					if err != nil {
						return err
					}
					p.Vars[k] = val
				}
			}
			var up *url.URL
			if upstream != "" {
				u, err := url.Parse(upstream)
				if err != nil || u.Host == "" {
					return fmt.Errorf("--upstream %q: not an absolute URL", upstream)
				}
				up = u
			}
			return runDev(cmd, projects, ip, port, up, wallTimeout, runtime.Options{PersistTo: persistTo, Models: models}, scheduled)
		},
	}
	f := cmd.Flags()
	f.IntVar(&port, "port", 8787, "port to listen on")
	f.StringVar(&ip, "ip", "127.0.0.1", "IP address to listen on")
	f.StringArrayVarP(&cfgPaths, "config", "c", nil, "path to the wrangler configuration file (repeatable: one per project)")
	f.StringArrayVar(&vars, "var", nil, "a variable KEY:VALUE for the worker's env (repeatable)")
	f.StringVar(&persistTo, "persist-to", "", "directory for local binding state (default .molt/state in the project)")
	f.StringVar(&models, "models", "", "models directory of the [ai] binding, with its models.toml (default ~/.molt/models)")
	f.StringVar(&compatDate, "compatibility-date", "", "compatibility date (overrides the configuration)")
	f.StringVarP(&env, "env", "e", "", "environment to use from the configuration ([env.NAME])")
	f.StringVar(&upstream, "upstream", "", "origin to forward requests to when the worker calls passThroughOnException and fails")
	f.DurationVar(&wallTimeout, "wall-timeout", runtime.DefaultWallLimit, "wall-clock limit for a request before the client gets 504")
	f.BoolVar(&scheduled, "test-scheduled", false, "serve /__scheduled?cron=...&time=MS, which runs the worker's scheduled handler")
	return cmd
}

// devProjects pairs the project arguments with the -c configurations: one -c per project, or,
// without arguments, one project per -c.
func devProjects(args, cfgPaths []string) ([]runtime.Project, error) {
	switch {
	case len(args) == 0 && len(cfgPaths) == 0:
		return []runtime.Project{{Path: "."}}, nil
	case len(args) == 0:
		out := make([]runtime.Project, len(cfgPaths))
		for i, c := range cfgPaths {
			out[i] = runtime.Project{Path: filepath.Dir(c), ConfigPath: c}
		}
		return out, nil
	case len(cfgPaths) > 0 && len(cfgPaths) != len(args):
		return nil, fmt.Errorf("%d projects and %d -c configurations: give one -c per project, or none", len(args), len(cfgPaths))
	}
	out := make([]runtime.Project, len(args))
	for i, a := range args {
		out[i] = runtime.Project{Path: a}
		if len(cfgPaths) > 0 {
			out[i].ConfigPath = cfgPaths[i]
		}
	}
	return out, nil
}

// runDev serves projects; opts carries the binding directories (PersistTo, Models).
func runDev(cmd *cobra.Command, projects []runtime.Project, ip string, port int, upstream *url.URL, wall time.Duration, opts runtime.Options, testScheduled bool) error {
	tuneGC()
	out := cmd.ErrOrStderr()
	log := slog.New(newLineHandler(out))
	group, err := runtime.NewDevGroup(projects, runtime.Options{Console: consoleTo(out), WallLimit: wall, PersistTo: opts.PersistTo, Models: opts.Models}, log,
		func(l *slog.Logger) *runtime.Host {
			h := runtime.NewHost(l)
			h.Dev = true
			h.Upstream = upstream
			h.TestScheduled = testScheduled
			return h
		})
	if err != nil {
		return err
	}
	for _, w := range group.Warnings {
		log.Warn(w)
	}
	host := group.Devs[0].Host
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if err := group.Start(); err != nil {
		ln.Close()
		group.Close()
		return err
	}
	ctx := cmd.Context()
	go group.Watch(ctx)
	srv := host.Server(addr)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(out, "⎔ Ready on http://%s\n", addr)
	for _, d := range group.Devs[1:] {
		fmt.Fprintf(out, "  also running %s (%s), reached through service and Durable Object bindings\n", d.Host.Worker().Name, d.Project.Path)
	}
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	// Serve returns as soon as shutdown starts; requests in flight finish first, then the
	// workers let go of their bindings' state (files, the KV socket).
	<-drained
	group.Close()
	return nil
}

// consoleTo prints the worker's console output as wrangler dev does: the text itself, errors
// and warnings marked.
func consoleTo(w interface{ Write([]byte) (int, error) }) js.Console {
	return js.ConsoleFunc(func(level js.Level, text string) {
		switch level {
		case js.LevelError:
			fmt.Fprintf(w, "✘ [ERROR] %s\n", text)
		case js.LevelWarn:
			fmt.Fprintf(w, "▲ [WARNING] %s\n", text)
		default:
			fmt.Fprintln(w, text)
		}
	})
}
