// Command molt runs Cloudflare Workers projects locally and hosts them as a small edge platform.
package main

import (
	"os"

	"github.com/moltworker/molt/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
