package config

// keyKind says how a top-level configuration key behaves in a named environment.
type keyKind int

const (
	unknownKey keyKind = iota
	// topLevelOnly keys apply to the Worker as a whole and may not appear in [env.NAME].
	topLevelOnly
	// inheritable keys are taken from the top level unless [env.NAME] sets them.
	inheritable
	// notInherited keys (vars and the bindings) must be set in each environment.
	notInherited
)

// keyKinds lists every key wrangler knows, after the "Top-level only keys", "Inheritable keys"
// and "Non-inheritable keys" of Cloudflare's wrangler configuration reference, completed from
// wrangler's own validation (workers-utils/src/config) for the keys the page does not list.
var keyKinds = map[string]keyKind{
	"$schema":                      topLevelOnly,
	"addresses":                    topLevelOnly,
	"alias":                        topLevelOnly,
	"data_blobs":                   topLevelOnly,
	"dependencies_instrumentation": topLevelOnly,
	"dev":                          topLevelOnly,
	"keep_vars":                    topLevelOnly,
	"pages_build_output_dir":       topLevelOnly,
	"send_metrics":                 topLevelOnly,
	"site":                         topLevelOnly,
	"text_blobs":                   topLevelOnly,
	"wasm_modules":                 topLevelOnly,

	"access":                  inheritable,
	"account_id":              inheritable,
	"assets":                  inheritable,
	"base_dir":                inheritable,
	"build":                   inheritable,
	"cache":                   inheritable,
	"compatibility_date":      inheritable,
	"compatibility_flags":     inheritable,
	"compliance_region":       inheritable,
	"exports":                 inheritable,
	"find_additional_modules": inheritable,
	"first_party_worker":      inheritable,
	"jsx_factory":             inheritable,
	"jsx_fragment":            inheritable,
	"keep_names":              inheritable,
	"limits":                  inheritable,
	"logfwdr":                 inheritable,
	"logpush":                 inheritable,
	"main":                    inheritable,
	// The reference lists migrations as top-level only; wrangler 4 also accepts and
	// inherits them per environment, which is the same for configurations that follow it.
	"migrations":          inheritable,
	"minify":              inheritable,
	"name":                inheritable,
	"no_bundle":           inheritable,
	"node_compat":         inheritable,
	"observability":       inheritable,
	"placement":           inheritable,
	"preserve_file_names": inheritable,
	"preview_urls":        inheritable,
	"previews":            inheritable,
	"python_modules":      inheritable,
	"route":               inheritable,
	"routes":              inheritable,
	"rules":               inheritable,
	"triggers":            inheritable,
	"tsconfig":            inheritable,
	"upload_source_maps":  inheritable,
	"usage_model":         inheritable,
	"workers_dev":         inheritable,

	"agent_memory":              notInherited,
	"ai":                        notInherited,
	"ai_search":                 notInherited,
	"ai_search_namespaces":      notInherited,
	"analytics_engine_datasets": notInherited,
	"artifacts":                 notInherited,
	"browser":                   notInherited,
	"cloudchamber":              notInherited,
	"connect":                   notInherited,
	"containers":                notInherited,
	"d1_databases":              notInherited,
	"define":                    notInherited,
	"dispatch_namespaces":       notInherited,
	"durable_objects":           notInherited,
	"flagship":                  notInherited,
	"hyperdrive":                notInherited,
	"images":                    notInherited,
	"kv_namespaces":             notInherited,
	"media":                     notInherited,
	"mtls_certificates":         notInherited,
	"pipelines":                 notInherited,
	"queues":                    notInherited,
	"r2_buckets":                notInherited,
	"ratelimits":                notInherited,
	"secrets":                   notInherited,
	"secrets_store_secrets":     notInherited,
	"send_email":                notInherited,
	"services":                  notInherited,
	"stream":                    notInherited,
	"streaming_tail_consumers":  notInherited,
	"tail_consumers":            notInherited,
	"unsafe":                    notInherited,
	"unsafe_hello_world":        notInherited,
	"vars":                      notInherited,
	"vectorize":                 notInherited,
	"version_metadata":          notInherited,
	"vpc_networks":              notInherited,
	"vpc_services":              notInherited,
	"websearch":                 notInherited,
	"worker_loaders":            notInherited,
	"workflows":                 notInherited,
}
