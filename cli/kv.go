package cli

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/bindings/kv"
	"github.com/moltworker/molt/runtime"
	"github.com/moltworker/molt/runtime/config"
)

// kvTarget holds the flags that say which project and namespace a molt kv command acts on.
type kvTarget struct {
	cfgPath, env, persistTo string
	binding, namespaceID    string
}

func (t *kvTarget) projectFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVarP(&t.cfgPath, "config", "c", "", "path to the wrangler configuration file")
	f.StringVarP(&t.env, "env", "e", "", "environment to use from the configuration ([env.NAME])")
	f.StringVar(&t.persistTo, "persist-to", "", "directory of local binding state (default .molt/state in the project)")
	// wrangler kv needs --local to act on local state; molt has nothing else, so it is accepted
	// and changes nothing.
	f.Bool("local", true, "act on local state (always)")
	f.MarkHidden("local")
}

func (t *kvTarget) namespaceFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&t.binding, "binding", "", "the namespace's binding name in kv_namespaces")
	f.StringVar(&t.namespaceID, "namespace-id", "", "the namespace's id")
}

// project reads the configuration the way molt dev does; without one, the current directory
// is the project.
func (t *kvTarget) project() (*config.Config, error) {
	cfg, err := runtime.ProjectConfig(runtime.Project{Path: ".", ConfigPath: t.cfgPath, Env: t.env})
	if errors.Is(err, config.ErrNoConfig) && t.binding == "" {
		wd, err := os.Getwd()
		return &config.Config{Dir: wd}, err
	}
	return cfg, err
}

// open opens the state of the project and returns the namespace the flags name. With
// --binding it is the namespace molt dev binds: preview_id, else id, else the binding name.
func (t *kvTarget) open() (*kv.Namespace, func(), error) {
	if (t.binding == "") == (t.namespaceID == "") {
		return nil, nil, errors.New("name the namespace with exactly one of --binding and --namespace-id")
	}
	cfg, err := t.project()
	if err != nil {
		return nil, nil, err
	}
	id := t.namespaceID
	if t.binding != "" {
		i := slices.IndexFunc(cfg.KVNamespaces, func(ns config.KVNamespace) bool { return ns.Binding == t.binding })
		if i < 0 {
			return nil, nil, fmt.Errorf("no kv_namespaces entry has the binding %q in %s", t.binding, cfg.Path)
		}
		id = cfg.KVNamespaces[i].LocalID()
	}
	dir, err := runtime.StateDir(cfg.Dir, t.persistTo)
	if err != nil {
		return nil, nil, err
	}
	store, release, err := runtime.OpenKV(dir)
	if err != nil {
		return nil, nil, err
	}
	return kv.NewNamespace(store, id), release, nil
}

func kvCommand() *cobra.Command {
	t := &kvTarget{}
	cmd := &cobra.Command{
		Use:   "kv",
		Short: "Manage the local Workers KV namespaces of a project, as wrangler kv --local does",
	}
	t.projectFlags(cmd)
	cmd.AddCommand(kvNamespaceCommand(t), kvKeyCommand(t), kvBulkCommand(t))
	return cmd
}

func kvNamespaceCommand(t *kvTarget) *cobra.Command {
	ns := &cobra.Command{Use: "namespace", Short: "List KV namespaces"}
	ns.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the project's KV namespaces and those with local data, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := t.project()
			if err != nil {
				return err
			}
			type entry struct {
				ID      string `json:"id"`
				Title   string `json:"title"`
				Binding string `json:"binding,omitempty"`
			}
			var out []entry
			seen := map[string]bool{}
			for _, ns := range cfg.KVNamespaces {
				title := ns.Binding
				if cfg.Name != "" {
					title = cfg.Name + "-" + ns.Binding
				}
				out = append(out, entry{ID: ns.LocalID(), Title: title, Binding: ns.Binding})
				seen[ns.LocalID()] = true
			}
			dir, err := runtime.StateDir(cfg.Dir, t.persistTo)
			if err != nil {
				return err
			}
			if _, err := os.Stat(runtime.KVPath(dir)); err == nil {
				store, release, err := runtime.OpenKV(dir)
				if err != nil {
					return err
				}
				defer release()
				ids, err := store.Namespaces()
				if err != nil {
					return fmt.Errorf("kv: list namespaces in %s: %w", dir, err)
				}
				for _, id := range ids {
					if !seen[id] {
						out = append(out, entry{ID: id, Title: id})
					}
				}
			}
			if out == nil {
				out = []entry{}
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	})
	return ns
}

func kvKeyCommand(t *kvTarget) *cobra.Command {
	key := &cobra.Command{Use: "key", Short: "Put, get, delete and list the keys of a namespace"}
	t.namespaceFlags(key)

	var path, metadata string
	var ttl, expiration int64
	put := &cobra.Command{
		Use:   "put KEY [VALUE]",
		Short: "Write a value (or the content of --path) to a key",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var value []byte
			switch {
			case len(args) == 2 && path != "":
				return errors.New("give either VALUE or --path, not both")
			case len(args) == 2:
				value = []byte(args[1])
			case path != "":
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				value = b
			default:
				return errors.New("give a VALUE or --path FILE")
			}
			var opts kv.PutOptions
			if metadata != "" {
				if !json.Valid([]byte(metadata)) {
					return fmt.Errorf("--metadata %q is not JSON", metadata)
				}
				opts.Metadata = []byte(metadata)
			}
			if cmd.Flags().Changed("ttl") {
				opts.ExpirationTTL = &ttl
			}
			if cmd.Flags().Changed("expiration") {
				opts.Expiration = &expiration
			}
			ns, release, err := t.open()
			if err != nil {
				return err
			}
			defer release()
			if err := ns.Put(args[0], value, opts); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Wrote %d bytes to key %q of namespace %s.\n", len(value), args[0], ns.ID())
			return nil
		},
	}
	put.Flags().StringVar(&path, "path", "", "read the value from this file")
	put.Flags().StringVar(&metadata, "metadata", "", "metadata as JSON")
	put.Flags().Int64Var(&ttl, "ttl", 0, "seconds until the key expires (at least 60)")
	put.Flags().Int64Var(&expiration, "expiration", 0, "when the key expires, in seconds since the epoch")

	var text bool
	get := &cobra.Command{
		Use:   "get KEY",
		Short: "Write a key's value to standard output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ns, release, err := t.open()
			if err != nil {
				return err
			}
			defer release()
			e, ok, err := ns.Get(args[0], kv.GetOptions{})
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(cmd.OutOrStdout(), "Value not found")
				return nil
			}
			_, err = cmd.OutOrStdout().Write(e.Value)
			if err == nil && text {
				fmt.Fprintln(cmd.OutOrStdout())
			}
			return err
		},
	}
	get.Flags().BoolVar(&text, "text", false, "end the value with a newline, for reading on a terminal")

	del := &cobra.Command{
		Use:   "delete KEY",
		Short: "Delete a key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ns, release, err := t.open()
			if err != nil {
				return err
			}
			defer release()
			if err := ns.Delete(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Deleted key %q of namespace %s.\n", args[0], ns.ID())
			return nil
		},
	}

	var prefix string
	list := &cobra.Command{
		Use:   "list",
		Short: "List a namespace's keys as JSON, in byte order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ns, release, err := t.open()
			if err != nil {
				return err
			}
			defer release()
			type key struct {
				Name       string          `json:"name"`
				Expiration int64           `json:"expiration,omitempty"`
				Metadata   json.RawMessage `json:"metadata,omitempty"`
			}
			out := []key{}
			cursor := ""
			for {
				res, err := ns.List(kv.ListOptions{Prefix: prefix, Cursor: cursor})
				if err != nil {
					return err
				}
				for _, k := range res.Keys {
					out = append(out, key{k.Name, k.Expiration, k.Metadata})
				}
				if res.Complete {
					break
				}
				cursor = res.Cursor
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	list.Flags().StringVar(&prefix, "prefix", "", "only keys that start with this")

	key.AddCommand(put, get, del, list)
	return key
}

// bulkPair is one entry of wrangler's bulk put file.
type bulkPair struct {
	Key           *string         `json:"key"`
	Value         *string         `json:"value"`
	Expiration    *int64          `json:"expiration"`
	ExpirationTTL *int64          `json:"expiration_ttl"`
	Metadata      json.RawMessage `json:"metadata"`
	Base64        bool            `json:"base64"`
}

func kvBulkCommand(t *kvTarget) *cobra.Command {
	bulk := &cobra.Command{Use: "bulk", Short: "Put or delete many keys from a JSON file in wrangler's format"}
	t.namespaceFlags(bulk)
	put := &cobra.Command{
		Use:   "put FILE.json",
		Short: `Write the pairs of a JSON array of {"key", "value", "expiration"?, "expiration_ttl"?, "metadata"?, "base64"?}`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var pairs []bulkPair
			if err := json.Unmarshal(raw, &pairs); err != nil {
				return fmt.Errorf("%s: expected a JSON array of {key, value} objects: %w", args[0], err)
			}
			values := make([][]byte, len(pairs))
			for i, p := range pairs {
				if p.Key == nil || p.Value == nil {
					return fmt.Errorf("%s: entry %d must have string \"key\" and \"value\" fields", args[0], i)
				}
				values[i] = []byte(*p.Value)
				if p.Base64 {
					if values[i], err = base64.StdEncoding.DecodeString(*p.Value); err != nil {
						return fmt.Errorf("%s: entry %d (%q): value is not base64: %w", args[0], i, *p.Key, err)
					}
				}
			}
			ns, release, err := t.open()
			if err != nil {
				return err
			}
			defer release()
			// Concurrent puts share commits, so a large file costs a few fsyncs, not one each.
			err = parallel(len(pairs), func(i int) error {
				p := pairs[i]
				opts := kv.PutOptions{Expiration: p.Expiration, ExpirationTTL: p.ExpirationTTL}
				if len(p.Metadata) > 0 && string(p.Metadata) != "null" {
					opts.Metadata = p.Metadata
				}
				if err := ns.Put(*p.Key, values[i], opts); err != nil {
					return fmt.Errorf("%s: key %q: %w", args[0], *p.Key, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Wrote %d key-value pairs to namespace %s.\n", len(pairs), ns.ID())
			return nil
		},
	}
	del := &cobra.Command{
		Use:   "delete FILE.json",
		Short: `Delete the keys of a JSON array of strings (or of {"key"} objects)`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return fmt.Errorf("%s: expected a JSON array of keys: %w", args[0], err)
			}
			keys := make([]string, len(items))
			for i, it := range items {
				var obj struct{ Key *string }
				if json.Unmarshal(it, &keys[i]) != nil {
					if json.Unmarshal(it, &obj) != nil || obj.Key == nil {
						return fmt.Errorf("%s: entry %d must be a string or an object with a \"key\"", args[0], i)
					}
					keys[i] = *obj.Key
				}
			}
			ns, release, err := t.open()
			if err != nil {
				return err
			}
			defer release()
			if err := parallel(len(keys), func(i int) error { return ns.Delete(keys[i]) }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Deleted %d keys of namespace %s.\n", len(keys), ns.ID())
			return nil
		},
	}
	// wrangler asks before a bulk delete unless --force; molt does not ask.
	del.Flags().BoolP("force", "f", false, "do not ask for confirmation (molt never asks)")
	bulk.AddCommand(put, del)
	return bulk
}

// parallel runs fn(0..n-1) on up to 32 goroutines and joins the errors in index order.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(n, 32); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, strings.TrimSpace(string(b)))
	return err
}
