package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestDurableObjects(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		want                []DurableObjectBinding
		migrations          []Migration
		warn                string
		err                 string
	}{
		{
			name: "toml", file: "wrangler.toml",
			content: "[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Counter\"\n\n" +
				"[[durable_objects.bindings]]\nname = \"OTHER\"\nclass_name = \"Room\"\nscript_name = \"chat\"\n\n" +
				"[[migrations]]\ntag = \"v1\"\nnew_classes = [\"Counter\"]\n\n" +
				"[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"Doc\"]\nrenamed_classes = [{from = \"Counter\", to = \"Tally\"}]\ndeleted_classes = [\"Old\"]\n",
			want: []DurableObjectBinding{{Name: "COUNTER", ClassName: "Counter"}, {Name: "OTHER", ClassName: "Room", ScriptName: "chat"}},
			migrations: []Migration{{Tag: "v1", NewClasses: []string{"Counter"}},
				{Tag: "v2", NewSQLiteClasses: []string{"Doc"}, RenamedClasses: []RenamedClass{{"Counter", "Tally"}}, DeletedClasses: []string{"Old"}}},
		},
		{
			name: "jsonc", file: "wrangler.jsonc",
			content: `{"durable_objects": {"bindings": [{"name": "A", "class_name": "A", "extra": 1}]}, // c
			"migrations": [{"tag": "v1", "new_sqlite_classes": ["A"]}]}`,
			want:       []DurableObjectBinding{{Name: "A", ClassName: "A"}},
			migrations: []Migration{{Tag: "v1", NewSQLiteClasses: []string{"A"}}},
			warn:       `unexpected field "extra" in durable_objects.bindings[0]`,
		},
		{name: "not an object", file: "wrangler.json", content: `{"durable_objects": []}`, err: `"durable_objects" must be an object with a "bindings" array, got an array`},
		{name: "no bindings", file: "wrangler.json", content: `{"durable_objects": {}}`, err: `"durable_objects" is missing the required "bindings" property`},
		{name: "no class", file: "wrangler.json", content: `{"durable_objects": {"bindings": [{"name": "A"}]}}`, err: `"durable_objects.bindings[0]" must have a string "class_name" field`},
		{name: "name type", file: "wrangler.json", content: `{"durable_objects": {"bindings": [{"name": 1, "class_name": "A"}]}}`, err: `"durable_objects.bindings[0].name" must be a string, got number 1`},
		{name: "environment alone", file: "wrangler.json", content: `{"durable_objects": {"bindings": [{"name": "A", "class_name": "A", "environment": "x"}]}}`, err: `must have a "script_name" field if "environment" is present`},
		{name: "twice", file: "wrangler.json", content: `{"durable_objects": {"bindings": [{"name": "A", "class_name": "A"}, {"name": "A", "class_name": "B"}]}}`, err: `the binding "A" is defined more than once`},
		{name: "migrations not array", file: "wrangler.json", content: `{"migrations": {"tag": "v1"}}`, err: `"migrations" must be an array, got an object`},
		{name: "no tag", file: "wrangler.json", content: `{"migrations": [{"new_classes": ["A"]}]}`, err: `"migrations[0]" must have a string "tag" field`},
		{name: "duplicate tag", file: "wrangler.json", content: `{"migrations": [{"tag": "v1"}, {"tag": "v1"}]}`, err: `the tag "v1" is used by an earlier migration`},
		{name: "class list type", file: "wrangler.json", content: `{"migrations": [{"tag": "v1", "new_classes": "A"}]}`, err: `"migrations[0].new_classes" must be an array of strings, got string "A"`},
		{name: "rename shape", file: "wrangler.json", content: `{"migrations": [{"tag": "v1", "renamed_classes": [{"from": "A"}]}]}`, err: `"migrations[0].renamed_classes[0]" must be an object with string "from" and "to" fields`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadCase(t, tc.file, tc.content, LoadOptions{}, tc.err)
			if cfg == nil {
				return
			}
			if !reflect.DeepEqual(cfg.DurableObjects, tc.want) || !reflect.DeepEqual(cfg.Migrations, tc.migrations) {
				t.Fatalf("got %#v %#v, want %#v %#v", cfg.DurableObjects, cfg.Migrations, tc.want, tc.migrations)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(cfg.Warnings, "\n"), tc.warn) {
				t.Fatalf("warnings %q, want %q", cfg.Warnings, tc.warn)
			}
		})
	}
}

func TestDurableClasses(t *testing.T) {
	classes, former := DurableClasses([]Migration{
		{Tag: "v1", NewClasses: []string{"A", "Gone"}},
		{Tag: "v2", NewSQLiteClasses: []string{"S"}, RenamedClasses: []RenamedClass{{"A", "B"}}},
		{Tag: "v3", RenamedClasses: []RenamedClass{{"B", "C"}}, DeletedClasses: []string{"Gone"}},
	})
	want := map[string]ClassStorage{"A": ClassDeleted, "B": ClassDeleted, "C": ClassKV, "S": ClassSQLite, "Gone": ClassDeleted}
	if !reflect.DeepEqual(classes, want) {
		t.Errorf("classes = %v, want %v", classes, want)
	}
	if !reflect.DeepEqual(former, map[string][]string{"C": {"A", "B"}}) {
		t.Errorf("former names = %v", former)
	}
}
