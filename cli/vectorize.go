package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/bindings/vectorize"
	"github.com/moltworker/molt/runtime"
)

// vectorizeCommand is molt vectorize, shaped as wrangler vectorize but acting on the project's
// local state, which molt dev binds. While molt dev runs it holds the file (bbolt admits one
// opener), and molt vectorize reaches the indexes through it, as molt kv does.
func vectorizeCommand() *cobra.Command {
	t := &kvTarget{}
	cmd := &cobra.Command{
		Use:   "vectorize",
		Short: "Manage the local Vectorize indexes of a project, as wrangler vectorize does",
	}
	t.projectFlags(cmd)
	// open runs fn with a client of the project's indexes.
	open := func(fn func(c vectorize.Client) error) error {
		cfg, err := t.project()
		if err != nil {
			return err
		}
		dir, err := runtime.StateDir(cfg.Dir, t.persistTo)
		if err != nil {
			return err
		}
		c, release, err := runtime.OpenVectorizeClient(dir)
		if err != nil {
			return err
		}
		defer release()
		return fn(c)
	}
	// notFound words a missing index for the command line.
	notFound := func(name string, err error) error {
		var nf *vectorize.ErrNotFound
		if errors.As(err, &nf) {
			return fmt.Errorf("index %q not found: create it with molt vectorize create %s --dimensions N --metric cosine", name, name)
		}
		return err
	}

	var dims int
	var metric, description string
	var asJSON bool
	create := &cobra.Command{
		Use:   "create NAME --dimensions N --metric cosine|euclidean|dot-product",
		Short: "Create a Vectorize index",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dims == 0 || metric == "" {
				return errors.New("🚨 You must provide both dimensions and a metric when creating an index.")
			}
			return open(func(c vectorize.Client) error {
				cfg, err := c.CreateIndex(vectorize.IndexConfig{Name: args[0], Description: description, Dimensions: dims, Metric: vectorize.Metric(metric)})
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), apiIndex(cfg))
				}
				fmt.Fprintf(cmd.OutOrStdout(), "✅ Successfully created a new Vectorize index: '%s'\n", cfg.Name)
				return nil
			})
		},
	}
	create.Flags().IntVar(&dims, "dimensions", 0, "the dimension size of the index's vectors (1 to 1536)")
	create.Flags().StringVar(&metric, "metric", "", "the distance metric: cosine, euclidean or dot-product")
	create.Flags().StringVar(&description, "description", "", "an optional description")
	create.Flags().BoolVar(&asJSON, "json", false, "print the index as JSON")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the indexes, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return open(func(c vectorize.Client) error {
				cfgs, err := c.Indexes()
				if err != nil {
					return err
				}
				out := make([]any, len(cfgs))
				for i, c := range cfgs {
					out[i] = apiIndex(c)
				}
				return printJSON(cmd.OutOrStdout(), out)
			})
		},
	}

	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Print an index's configuration as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open(func(c vectorize.Client) error {
				cfg, err := c.GetIndex(args[0])
				if err != nil {
					return notFound(args[0], err)
				}
				return printJSON(cmd.OutOrStdout(), apiIndex(cfg))
			})
		},
	}

	info := &cobra.Command{
		Use:   "info NAME",
		Short: "Print an index's dimensions, vector count and last mutation as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open(func(c vectorize.Client) error {
				in, err := c.Describe(args[0])
				if err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), in)
			})
		},
	}

	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an index and its vectors",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open(func(c vectorize.Client) error {
				if err := c.DeleteIndex(args[0]); err != nil {
					return notFound(args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "✅ Deleted index %s\n", args[0])
				return nil
			})
		},
	}
	// wrangler asks before deleting unless --force; molt does not ask.
	del.Flags().BoolP("force", "y", false, "do not ask for confirmation (molt never asks)")

	cmd.AddCommand(create, list, get, info, del, vectorizeWriteCommand("insert", open), vectorizeWriteCommand("upsert", open), vectorizeQueryCommand(open))
	cmd.AddCommand(vectorizeMetadataCommands(open, notFound)...)
	return cmd
}

// apiIndex is an index as Cloudflare's API and wrangler's --json print it.
func apiIndex(c vectorize.IndexConfig) any {
	type config struct {
		Dimensions int              `json:"dimensions"`
		Metric     vectorize.Metric `json:"metric"`
	}
	return struct {
		CreatedOn   string `json:"created_on"`
		ModifiedOn  string `json:"modified_on"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Config      config `json:"config"`
	}{c.CreatedOn.Format(time.RFC3339Nano), c.ModifiedOn.Format(time.RFC3339Nano), c.Name, c.Description, config{c.Dimensions, c.Metric}}
}

// ndjsonVector is one line of an insert or upsert file.
type ndjsonVector struct {
	ID        string          `json:"id"`
	Values    []float32       `json:"values"`
	Namespace string          `json:"namespace"`
	Metadata  json.RawMessage `json:"metadata"`
}

func vectorizeWriteCommand(verb string, open func(func(vectorize.Client) error) error) *cobra.Command {
	var file string
	var batch int
	var asJSON bool
	c := &cobra.Command{
		Use:   verb + " NAME --file vectors.ndjson",
		Short: "Read vectors from a file of line-separated JSON objects {id, values, namespace?, metadata?} and " + verb + " them",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch < 1 || batch > 5000 {
				return fmt.Errorf("--batch-size must be 1 to 5000, got %d", batch)
			}
			f, err := os.Open(file)
			if err != nil {
				return fmt.Errorf("🚨 Cannot read invalid or empty file: %s: %w", file, err)
			}
			defer f.Close()
			return open(func(c vectorize.Client) error {
				sc := bufio.NewScanner(f)
				sc.Buffer(make([]byte, 1<<20), 64<<20)
				var pending []vectorize.Vector
				total, line := 0, 0
				flush := func() error {
					if len(pending) == 0 {
						return nil
					}
					m, err := c.Write(args[0], pending, verb == "insert")
					if err != nil {
						return fmt.Errorf("%s: %w", file, err)
					}
					total += len(pending)
					if !asJSON {
						fmt.Fprintf(cmd.OutOrStdout(), "✨ Enqueued %d vectors into index '%s' for %s. Mutation changeset identifier: %s\n", len(pending), args[0], verb+"ion", m.MutationID)
					}
					pending = pending[:0]
					return nil
				}
				for sc.Scan() {
					line++
					if len(sc.Bytes()) == 0 {
						continue
					}
					var v ndjsonVector
					if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
						return fmt.Errorf("%s:%d: %w", file, line, err)
					}
					pending = append(pending, vectorize.Vector{ID: v.ID, Values: v.Values, Namespace: v.Namespace, Metadata: v.Metadata})
					if len(pending) == batch {
						if err := flush(); err != nil {
							return err
						}
					}
				}
				if err := sc.Err(); err != nil {
					return fmt.Errorf("%s: %w", file, err)
				}
				if err := flush(); err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), map[string]any{"index": args[0], "count": total})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "✅ Successfully enqueued %d vectors into index '%s' for %s.\n", total, args[0], verb+"ion")
				return nil
			})
		},
	}
	c.Flags().StringVar(&file, "file", "", "a file of line-separated JSON vector objects")
	c.MarkFlagRequired("file")
	// Batches go through the Workers limit of 1000 vectors; the HTTP API's is 5000.
	c.Flags().IntVar(&batch, "batch-size", vectorize.MaxBatch, "vectors per mutation")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func vectorizeQueryCommand(open func(func(vectorize.Client) error) error) *cobra.Command {
	var vector []float64
	var vectorID, namespace, returnMetadata, filter string
	var topK int
	var returnValues bool
	c := &cobra.Command{
		Use:   "query NAME (--vector 1,2,3 | --vector 1 2 3 | --vector-id ID)",
		Short: "Query an index and print the matches as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// wrangler takes --vector 1 2 3: the numbers after the first arrive as arguments.
			for _, a := range args[1:] {
				f, err := strconv.ParseFloat(a, 64)
				if err != nil || !cmd.Flags().Changed("vector") {
					return fmt.Errorf("unexpected argument %q", a)
				}
				vector = append(vector, f)
			}
			if (len(vector) == 0) == (vectorID == "") {
				return errors.New("🚨 Either vector or vector-id parameter must be provided, but not both.")
			}
			opts := vectorize.QueryOptions{TopK: topK, Namespace: namespace, ReturnValues: returnValues, ReturnMetadata: returnMetadata}
			if filter != "" {
				if !json.Valid([]byte(filter)) {
					return fmt.Errorf("🚨 Invalid query filter %q: it must be a JSON object", filter)
				}
				opts.Filter = json.RawMessage(filter)
			}
			return open(func(c vectorize.Client) error {
				var q []float32
				if vectorID == "" {
					q = make([]float32, len(vector))
					for i, f := range vector {
						q[i] = float32(f)
					}
				}
				res, err := c.Query(args[0], q, vectorID, opts)
				if err != nil {
					return err
				}
				if res.Count == 0 {
					fmt.Fprintln(cmd.ErrOrStderr(), "Could not find any relevant vectors")
					return nil
				}
				return printJSON(cmd.OutOrStdout(), res)
			})
		},
	}
	c.Flags().Float64SliceVar(&vector, "vector", nil, "the query vector")
	c.Flags().StringVar(&vectorID, "vector-id", "", "query with the vector of this id")
	c.Flags().IntVar(&topK, "top-k", vectorize.DefaultTopK, "the number of matches to return")
	c.Flags().BoolVar(&returnValues, "return-values", false, "include the vectors' values")
	c.Flags().StringVar(&returnMetadata, "return-metadata", "none", "include metadata: all, indexed or none")
	c.Flags().StringVar(&namespace, "namespace", "", "only vectors of this namespace")
	c.Flags().StringVar(&filter, "filter", "", `a metadata filter as JSON, as {"genre": {"$in": ["drama"]}}`)
	return c
}

func vectorizeMetadataCommands(open func(func(vectorize.Client) error) error, notFound func(string, error) error) []*cobra.Command {
	var property, typ string
	create := &cobra.Command{
		Use:   "create-metadata-index NAME --property-name P --type string|number|boolean",
		Short: "Enable metadata filtering on a property (for vectors written from now on)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open(func(c vectorize.Client) error {
				m, err := c.CreateMetadataIndex(args[0], property, vectorize.MetadataType(typ))
				if err != nil {
					return notFound(args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "✅ Successfully enqueued metadata index creation request. Mutation changeset identifier: %s.\n", m.MutationID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&property, "property-name", "", "the metadata property to index")
	create.Flags().StringVar(&typ, "type", "", "the property's type: string, number or boolean")
	create.MarkFlagRequired("property-name")
	create.MarkFlagRequired("type")

	list := &cobra.Command{
		Use:   "list-metadata-index NAME",
		Short: "List the metadata indexes of an index, as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open(func(c vectorize.Client) error {
				mis, err := c.MetadataIndexes(args[0])
				if err != nil {
					return notFound(args[0], err)
				}
				return printJSON(cmd.OutOrStdout(), append([]vectorize.MetadataIndex{}, mis...))
			})
		},
	}

	var delProperty string
	del := &cobra.Command{
		Use:   "delete-metadata-index NAME --property-name P",
		Short: "Disable metadata filtering on a property",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return open(func(c vectorize.Client) error {
				m, err := c.DeleteMetadataIndex(args[0], delProperty)
				if err != nil {
					return notFound(args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "✅ Successfully enqueued metadata index deletion request. Mutation changeset identifier: %s.\n", m.MutationID)
				return nil
			})
		},
	}
	del.Flags().StringVar(&delProperty, "property-name", "", "the metadata property")
	del.MarkFlagRequired("property-name")
	return []*cobra.Command{create, list, del}
}
