package js

// Libraries written wholly in JavaScript, with the globals they define. Libraries with Go natives
// register themselves beside those natives.
func init() {
	register("headers", []string{"Headers"}, nil)
	register("body", nil, nil)
	register("intrinsics", nil, nil)
	register("request", []string{"Request"}, nil)
	register("response", []string{"Response"}, nil)
	register("worker", []string{"ExecutionContext"}, nil)
	register("serviceworker", []string{"addEventListener", "removeEventListener", "FetchEvent"}, nil)
}
