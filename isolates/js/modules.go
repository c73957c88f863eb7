package js

func init() {
	// require is a lazily installed global like the Web APIs: a worker that imports nothing
	// from the runtime never builds it.
	register("modules", []string{"require"}, nil)
}
