package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/config"
	"github.com/moltworker/molt/runtime/platform"
)

// Environment variables that stand in for --to and --token.
const (
	envAPIURL   = "MOLT_API_URL"
	envAPIToken = "MOLT_API_TOKEN"
)

// remote holds the flags every command that talks to a platform shares.
type remote struct {
	to, token, name, cfgPath, env string
}

func (r *remote) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.to, "to", "", "the platform's admin API URL (or $"+envAPIURL+")")
	f.StringVar(&r.token, "token", "", "the tenant's API token (or $"+envAPIToken+")")
	f.StringVar(&r.name, "name", "", "the worker's name (default: the project's name)")
	f.StringVarP(&r.cfgPath, "config", "c", "", "path to the wrangler configuration file")
	f.StringVarP(&r.env, "env", "e", "", "environment to use from the configuration ([env.NAME])")
}

func (r *remote) client() (*platform.Client, error) {
	to, token := r.to, r.token
	if to == "" {
		to = os.Getenv(envAPIURL)
	}
	if token == "" {
		token = os.Getenv(envAPIToken)
	}
	if to == "" {
		return nil, errors.New("no platform: pass --to URL or set " + envAPIURL)
	}
	if token == "" {
		return nil, errors.New("no API token: pass --token or set " + envAPIToken + " (molt admin token create makes one)")
	}
	return &platform.Client{URL: to, Token: token}, nil
}

// target is the admin API client and the worker a command acts on, the worker named by --name
// or by the project in dir.
func (r *remote) target(dir string) (*platform.Client, string, error) {
	c, err := r.client()
	if err != nil {
		return nil, "", err
	}
	name, err := r.worker(dir)
	return c, name, err
}

// worker is the worker's name: --name, or the name in the project's configuration in dir.
func (r *remote) worker(dir string) (string, error) {
	if r.name != "" {
		return r.name, nil
	}
	cfg, err := runtime.ProjectConfig(runtime.Project{Path: dir, ConfigPath: r.cfgPath, Env: r.env})
	if err != nil {
		return "", fmt.Errorf("%w (or pass --name)", err)
	}
	if cfg.Name == "" {
		return "", fmt.Errorf("%s has no name: set \"name\" or pass --name", cfg.Path)
	}
	return cfg.Name, nil
}

func deployCommand() *cobra.Command {
	var (
		r      remote
		vars   []string
		dryRun bool
		outdir string
	)
	cmd := &cobra.Command{
		Use:   "deploy [DIR]",
		Short: "Bundle a Workers project and deploy it to a molt serve platform",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := runtime.Project{Path: ".", ConfigPath: r.cfgPath, Env: r.env, Vars: map[string]string{}}
			if len(args) == 1 {
				p.Path = args[0]
			}
			for _, v := range vars {
				k, val, err := config.ParseVarFlag(v)
				if err != nil {
					return err
				}
				p.Vars[k] = val
			}
			var c *platform.Client
			if !dryRun {
				var err error
				if c, err = r.client(); err != nil {
					return err
				}
			}
			b, err := runtime.BuildBundle(p)
			if err != nil {
				return err
			}
			name := r.name
			if name == "" {
				name, _ = b.Config["name"].(string)
			}
			if name == "" {
				return errors.New("the project has no name: set \"name\" in its configuration or pass --name")
			}
			out := cmd.OutOrStdout()
			for _, w := range b.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "▲ [WARNING] %s\n", w)
			}
			if dryRun {
				fmt.Fprintf(out, "Built %s: %s, %d bytes (source map %d bytes); not deployed (--dry-run)\n", name, b.Name, len(b.Code), len(b.SourceMap))
				if outdir != "" {
					return writeBundle(outdir, b)
				}
				return nil
			}
			v, err := c.Deploy(cmd.Context(), name, b)
			if err != nil {
				return fmt.Errorf("deploy %s: %w", name, err)
			}
			fmt.Fprintf(out, "Deployed %s\nVersion ID: %s\n", name, v.ID)
			for _, u := range v.URLs {
				fmt.Fprintf(out, "  %s\n", u)
			}
			return nil
		},
	}
	r.flags(cmd)
	cmd.Flags().StringArrayVar(&vars, "var", nil, "a variable KEY:VALUE for the worker's env (repeatable)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "build the bundle and stop: nothing is uploaded")
	cmd.Flags().StringVar(&outdir, "outdir", "", "with --dry-run, write the bundle, its source map and the normalized wrangler.json here")
	return cmd
}

// writeBundle writes what molt deploy would upload, for a look before deploying.
func writeBundle(dir string, b *runtime.Bundle) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg, err := json.MarshalIndent(b.Config, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{b.Name: b.Code, "wrangler.json": cfg}
	if len(b.SourceMap) > 0 {
		files[b.Name+".map"] = b.SourceMap
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("--outdir: %w", err)
		}
	}
	return nil
}

func versionsCommand() *cobra.Command {
	versions := &cobra.Command{Use: "versions", Short: "The versions of a deployed worker"}
	var r remote
	list := &cobra.Command{
		Use:   "list [DIR]",
		Short: "List a worker's versions, oldest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, name, err := r.target(dirArg(args))
			if err != nil {
				return err
			}
			vs, err := c.Versions(cmd.Context(), name)
			if err != nil {
				return fmt.Errorf("versions of %s: %w", name, err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION ID\tCREATED\tACTIVE")
			for _, v := range vs {
				active := ""
				if v.Active {
					active = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", v.ID, v.CreatedOn.Format("2006-01-02 15:04:05Z"), active)
			}
			return tw.Flush()
		},
	}
	r.flags(list)
	versions.AddCommand(list)
	return versions
}

func rollbackCommand() *cobra.Command {
	var r remote
	cmd := &cobra.Command{
		Use:   "rollback [VERSION]",
		Short: "Serve an earlier version of a worker again (default: the one before the active one)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, name, err := r.target(".")
			if err != nil {
				return err
			}
			v, err := c.Rollback(cmd.Context(), name, strings.Join(args, ""))
			if err != nil {
				return fmt.Errorf("rollback %s: %w", name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Rolled back %s\nVersion ID: %s\n", name, v.ID)
			return nil
		},
	}
	r.flags(cmd)
	return cmd
}

func deleteCommand() *cobra.Command {
	var r remote
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Stop serving a worker and delete its versions (the tenant's KV data stays)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, name, err := r.target(".")
			if err != nil {
				return err
			}
			if err := c.Delete(cmd.Context(), name); err != nil {
				return fmt.Errorf("delete %s: %w", name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s\n", name)
			return nil
		},
	}
	r.flags(cmd)
	return cmd
}

func tailCommand() *cobra.Command {
	var (
		r      remote
		format string
		filter platform.TailFilter
	)
	cmd := &cobra.Command{
		Use:   "tail [DIR]",
		Short: "Stream a deployed worker's invocations: requests, scheduled runs, console output and exceptions",
		Long: "molt tail prints each invocation of a deployed worker as it ends; --format json prints one\n" +
			"JSON object a line, in the shape wrangler tail --format json prints.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "pretty" && format != "json" {
				return fmt.Errorf("--format %q: want pretty or json", format)
			}
			if err := filter.Check(); err != nil {
				return err
			}
			c, name, err := r.target(dirArg(args))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(cmd.ErrOrStderr(), "Tailing %s (Ctrl-C to stop)\n", name)
			enc := json.NewEncoder(out)
			err = c.Tail(cmd.Context(), name, filter, func(ev platform.TailEvent) error {
				if format == "json" {
					return enc.Encode(ev)
				}
				_, err := io.WriteString(out, prettyEvent(ev))
				return err
			})
			if err != nil {
				return fmt.Errorf("tail %s: %w", name, err)
			}
			return nil
		},
	}
	r.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&format, "format", "pretty", "pretty or json (one invocation per line, as wrangler tail prints it)")
	f.StringSliceVar(&filter.Status, "status", nil, "keep invocations by status: ok, error, canceled (repeatable)")
	f.StringSliceVar(&filter.Method, "method", nil, "keep requests with this HTTP method (repeatable)")
	f.StringVar(&filter.Header, "header", "", "keep requests with this header: NAME or NAME:VALUE")
	f.StringVar(&filter.Search, "search", "", "keep invocations whose console output contains this text")
	f.StringSliceVar(&filter.IP, "ip", nil, "keep requests from this client address (repeatable)")
	f.Float64Var(&filter.SamplingRate, "sampling-rate", 0, "keep this share of the invocations, between 0 and 1")
	return cmd
}

// prettyEvent renders an invocation as wrangler tail's pretty format does: a line for the
// event and its outcome, then its console messages and exceptions.
func prettyEvent(ev platform.TailEvent) string {
	var b strings.Builder
	at := time.UnixMilli(ev.EventTimestamp).Local().Format(time.DateTime)
	outcome := prettyOutcome(ev.Outcome)
	switch e := ev.Event.(type) {
	case *platform.RequestEvent:
		fmt.Fprintf(&b, "%s %s - %s @ %s\n", strings.ToUpper(e.Request.Method), e.Request.URL, outcome, at)
	case *platform.RPCEvent:
		fmt.Fprintf(&b, "%s.%s - %s @ %s\n", ev.Entrypoint, e.RPCMethod, outcome, at)
	case *platform.ScheduledEvent:
		fmt.Fprintf(&b, "%q @ %s - %s\n", e.Cron, time.UnixMilli(e.ScheduledTime).Local().Format(time.DateTime), outcome)
	default:
		fmt.Fprintf(&b, "Unknown Event - %s @ %s\n", outcome, at)
	}
	for _, l := range ev.Logs {
		fmt.Fprintf(&b, "  (%s) %s\n", l.Level, l.Text())
	}
	for _, x := range ev.Exceptions {
		fmt.Fprintf(&b, "  ✘ %s: %s\n", x.Name, x.Message)
	}
	return b.String()
}

// prettyOutcome is wrangler's wording of an outcome.
func prettyOutcome(o string) string {
	switch o {
	case "ok":
		return "Ok"
	case "canceled":
		return "Canceled"
	case "exception":
		return "Exception Thrown"
	case "exceededCpu":
		return "Exceeded CPU Limit"
	case "exceededMemory":
		return "Exceeded Memory Limit"
	}
	return "Unknown"
}

func triggerCommand() *cobra.Command {
	var (
		r    remote
		cron string
	)
	cmd := &cobra.Command{
		Use:   "trigger [DIR]",
		Short: "Run a deployed worker's scheduled handler now, as its cron trigger would",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, name, err := r.target(dirArg(args))
			if err != nil {
				return err
			}
			res, err := c.Trigger(cmd.Context(), name, cron)
			if err != nil {
				return fmt.Errorf("trigger %s: %w", name, err)
			}
			if res.Outcome != "ok" {
				return fmt.Errorf("scheduled %q on %s: %s", res.Cron, name, res.Error)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Ran scheduled %q on %s (version %s)\n", res.Cron, name, res.Version)
			return nil
		},
	}
	r.flags(cmd)
	cmd.Flags().StringVar(&cron, "cron", "", "the cron expression the handler sees (default: the worker's first trigger)")
	return cmd
}

func dirArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}
