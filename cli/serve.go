package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/platform"
)

// defaultPlatformConfig is the platform configuration molt serve and molt admin read.
const defaultPlatformConfig = "molt-platform.toml"

func serveCommand() *cobra.Command {
	var (
		cfgPath string
		check   bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a multi-tenant Workers platform: a public front and an admin API to deploy to",
		Long: "molt serve hosts the workers that tenants deploy with molt deploy. It reads the platform\n" +
			"configuration (see examples/platform/molt-platform.toml) and keeps everything under its data_dir.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := platform.LoadConfig(cfgPath)
			if err != nil {
				return err
			}
			log := slog.New(newLineHandler(cmd.ErrOrStderr()))
			if check {
				return checkPlatform(cmd, cfg, log)
			}
			return runServe(cmd.Context(), cmd, cfg, log)
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", defaultPlatformConfig, "platform configuration file")
	cmd.Flags().BoolVar(&check, "check", false, "check the configuration and that every deployed worker loads, then exit")
	return cmd
}

// checkTLS loads the certificate before anything listens, so that a bad one stops molt serve
// at once rather than failing its first connections.
func checkTLS(cfg *platform.Config) error {
	if cfg.Listen.TLSCert == "" {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(cfg.Listen.TLSCert, cfg.Listen.TLSKey); err != nil {
		return fmt.Errorf("listen.tls_cert/tls_key: %w", err)
	}
	return nil
}

// checkPlatform loads every deployed worker as molt serve would, without listening.
func checkPlatform(cmd *cobra.Command, cfg *platform.Config, log *slog.Logger) error {
	if err := checkTLS(cfg); err != nil {
		return err
	}
	p, err := platform.Open(cfg, log)
	if err != nil {
		return err
	}
	defer p.Close()
	n := 0
	for tenant := range cfg.Tenants {
		n += len(p.Workers(tenant))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "✔ %s: %d tenants, %d workers loaded\n", cfg.Path, len(cfg.Tenants), n)
	return nil
}

func runServe(ctx context.Context, cmd *cobra.Command, cfg *platform.Config, log *slog.Logger) error {
	tuneGC()
	if err := checkTLS(cfg); err != nil {
		return err
	}
	p, err := platform.Open(cfg, log)
	if err != nil {
		return err
	}
	public, err := net.Listen("tcp", cfg.Listen.Public)
	if err != nil {
		p.Close()
		return fmt.Errorf("listen on %s (listen.public): %w", cfg.Listen.Public, err)
	}
	admin, err := net.Listen("tcp", cfg.Listen.Admin)
	if err != nil {
		public.Close()
		p.Close()
		return fmt.Errorf("listen on %s (listen.admin): %w", cfg.Listen.Admin, err)
	}
	front := &http.Server{Handler: p, MaxHeaderBytes: runtime.MaxHeaderBytes, ReadHeaderTimeout: 30 * time.Second}
	api := &http.Server{Handler: p.Admin(), ReadHeaderTimeout: 30 * time.Second}
	// Tail streams never end by themselves; Shutdown would wait for them.
	api.RegisterOnShutdown(p.CloseTails)
	servers := []*http.Server{api, front}
	errs := make(chan error, 3)
	serve := func(srv *http.Server, ln net.Listener) error {
		if cfg.Listen.TLSCert != "" {
			return srv.ServeTLS(ln, cfg.Listen.TLSCert, cfg.Listen.TLSKey)
		}
		return srv.Serve(ln)
	}
	go func() { errs <- serve(front, public) }()
	go func() { errs <- serve(api, admin) }()
	if cfg.Listen.Metrics != "" {
		ln, err := net.Listen("tcp", cfg.Listen.Metrics)
		if err != nil {
			public.Close()
			admin.Close()
			p.Close()
			return fmt.Errorf("listen on %s (listen.metrics): %w", cfg.Listen.Metrics, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", p.Metrics())
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
		servers = append(servers, srv)
		go func() { errs <- srv.Serve(ln) }()
		fmt.Fprintf(cmd.ErrOrStderr(), "⎔ Metrics on http://%s/metrics\n", ln.Addr())
	}
	cronCtx, stopCrons := context.WithCancel(ctx)
	defer stopCrons()
	go p.RunCrons(cronCtx)
	out := cmd.ErrOrStderr()
	scheme := "http"
	if cfg.Listen.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(out, "⎔ Workers on %s://%s (hosts *.%s)\n⎔ Admin API on %s://%s\n", scheme, public.Addr(), cfg.Domain, scheme, admin.Addr())
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	// Requests in flight finish before the workers let go of their state.
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, srv := range servers {
		srv.Shutdown(shutdown)
	}
	p.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func adminCommand() *cobra.Command {
	admin := &cobra.Command{Use: "admin", Short: "Administer a molt serve platform"}
	token := &cobra.Command{Use: "token", Short: "Manage tenants' API tokens"}
	var cfgPath, tenant string
	create := &cobra.Command{
		Use:   "create --tenant T",
		Short: "Create an API token for a tenant and print it (only its hash is stored)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := platform.LoadConfig(cfgPath)
			if err != nil {
				return err
			}
			t, info, err := platform.CreateToken(cfg, tenant)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), t)
			fmt.Fprintf(cmd.ErrOrStderr(), "Token %s for tenant %s: shown this once; molt admin token revoke %s removes it\n", info.ID, tenant, info.ID)
			return nil
		},
	}
	create.Flags().StringVar(&tenant, "tenant", "", "the tenant the token acts for")
	create.MarkFlagRequired("tenant")
	list := &cobra.Command{
		Use:   "list [--tenant T]",
		Short: "List API tokens (ids, tenants, creation times)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := platform.LoadConfig(cfgPath)
			if err != nil {
				return err
			}
			infos, err := platform.ListTokens(cfg, tenant)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTENANT\tCREATED")
			for _, i := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", i.ID, i.Tenant, i.CreatedOn.Format("2006-01-02 15:04:05Z"))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&tenant, "tenant", "", "only this tenant's tokens")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token; a running molt serve refuses it at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := platform.LoadConfig(cfgPath)
			if err != nil {
				return err
			}
			if err := platform.RevokeToken(cfg, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked %s\n", args[0])
			return nil
		},
	}
	token.PersistentFlags().StringVarP(&cfgPath, "config", "c", defaultPlatformConfig, "platform configuration file")
	token.AddCommand(list, revoke)
	token.AddCommand(create)
	admin.AddCommand(token)
	return admin
}
