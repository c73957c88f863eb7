package cli

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/bindings/ai"
	"github.com/moltworker/molt/bindings/ai/gguf"
)

// aiSubcommands build the subcommands of molt ai. Files that add one (molt ai run, molt ai
// pull) append their constructor in an init function; they find the models directory with
// aiRegistry.
var aiSubcommands = []func() *cobra.Command{aiModelsCommand}

// aiCommand is molt ai: the models of the [ai] binding. Its --models flag is persistent, so
// every subcommand has it.
func aiCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ai",
		Short: "Manage the GGUF models that env.AI.run uses",
		Long: "molt ai works on a models directory (--models, default ~/.molt/models): GGUF files and a\n" +
			"models.toml mapping Workers AI model names to them, one line each:\n\n" +
			"  \"@cf/baai/bge-small-en-v1.5\" = \"bge-small-en-v1.5.Q8_0.gguf\"",
	}
	cmd.PersistentFlags().String("models", "", "models directory (default ~/.molt/models)")
	for _, sub := range aiSubcommands {
		cmd.AddCommand(sub())
	}
	return cmd
}

// aiRegistry opens the models directory of cmd's --models flag.
func aiRegistry(cmd *cobra.Command) (*ai.Registry, error) {
	dir, _ := cmd.Flags().GetString("models")
	if dir == "" {
		dir = ai.DefaultDir()
	}
	return ai.Open(dir, nil)
}

func aiModelsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "models",
		Short: "List the installed models: name, file, architecture, size, weight type and dimensions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := aiRegistry(cmd)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			names := r.Names()
			if len(names) == 0 {
				fmt.Fprintf(out, "No models in %s: add GGUF files and name them in %s\n", r.Dir, filepath.Join(r.Dir, ai.IndexFile))
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFILE\tARCHITECTURE\tSIZE\tTYPE\tDIMS")
			for _, name := range names {
				path, _ := r.File(name)
				file := path
				if rel, err := filepath.Rel(r.Dir, path); err == nil && filepath.IsLocal(rel) {
					file = rel
				}
				f, err := gguf.Open(path)
				if err != nil {
					fmt.Fprintf(tw, "%s\t%s\t(%v)\t\t\t\n", name, file, err)
					continue
				}
				info := ai.Describe(f, path)
				f.Close()
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", name, file, info.Architecture, ai.HumanBytes(info.Size), info.Quantization, info.Dims)
			}
			return tw.Flush()
		},
	}
}
