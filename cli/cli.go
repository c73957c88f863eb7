// Package cli holds molt's command-line interface.
package cli

// Main runs the molt command line with args and returns the process exit code.
func Main(args []string) int { return 0 }
