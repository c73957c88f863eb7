package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/bindings/ai"
	"github.com/moltworker/molt/bindings/ai/pull"
)

func init() { aiSubcommands = append(aiSubcommands, aiPullCommand) }

func aiPullCommand() *cobra.Command {
	var opts pull.Options
	var list bool
	cmd := &cobra.Command{
		Use:   "pull NAME",
		Short: "Download a model's GGUF file (resumable, checksum-verified) and name it in models.toml",
		Long: "molt ai pull downloads the GGUF file of a Workers AI model name from the built-in catalog\n" +
			"(--catalog lists it), or from --url for any name, into the models directory. An interrupted\n" +
			"download resumes from FILE.part; the file is checked against --sha256 or the catalog's\n" +
			"checksum before it is named in models.toml.",
		Args: func(cmd *cobra.Command, args []string) error {
			if list {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tFILE\tCHECKSUM")
				for _, e := range pull.Catalog() {
					sum := "unverified (give --sha256)"
					if e.SHA256 != "" {
						sum = e.SHA256
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, e.File, sum)
				}
				return tw.Flush()
			}
			r, err := aiRegistry(cmd)
			if err != nil {
				return err
			}
			opts.Dir = r.Dir
			opts.Progress = cmd.ErrOrStderr()
			res, err := pull.Pull(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			check := "sha256 verified"
			if !res.Verified {
				check = "no checksum known to verify it against (give --sha256)"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s → %s (%s, sha256 %s; %s)\n", args[0], res.Path, ai.HumanBytes(res.Size), res.SHA256, check)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "", "download from this http(s) URL instead of the catalog's")
	cmd.Flags().StringVar(&opts.SHA256, "sha256", "", "expected SHA-256 of the file (hex)")
	cmd.Flags().BoolVar(&list, "catalog", false, "list the catalog's models instead of pulling one")
	return cmd
}
