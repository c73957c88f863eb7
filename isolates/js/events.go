package js

func init() {
	// Events and abort signals are pure JavaScript: nothing in them waits on Go, and abort
	// reaches Go operations (fetch) through the listeners those operations register.
	register("events", []string{"Event", "EventTarget", "CustomEvent", "DOMException", "AbortController", "AbortSignal"}, nil)
}
