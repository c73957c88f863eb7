package config

import (
	"fmt"
	"slices"
	"sort"
)

// DurableObjectBinding is one entry of durable_objects.bindings: a Durable Object namespace
// bound into env.
type DurableObjectBinding struct {
	// Name is the binding's name (env.NAME).
	Name string
	// ClassName is the exported class implementing the objects.
	ClassName string
	// ScriptName names the worker that exports the class; "" means this worker.
	ScriptName string
	// Environment is the environment of ScriptName's worker, when given.
	Environment string
}

// Migration is one entry of migrations: how the Durable Object classes changed at Tag.
type Migration struct {
	// Tag names the migration; tags must be unique.
	Tag string
	// NewClasses are classes created with the key-value storage backend.
	NewClasses []string
	// NewSQLiteClasses are classes created with the SQLite storage backend.
	NewSQLiteClasses []string
	// RenamedClasses move a class's objects to a new name.
	RenamedClasses []RenamedClass
	// DeletedClasses are classes whose objects are deleted.
	DeletedClasses []string
}

// RenamedClass is one entry of a migration's renamed_classes.
type RenamedClass struct {
	From, To string
}

// ClassStorage is the storage backend migrations give a class.
type ClassStorage int

const (
	// ClassUndeclared is a class no migration creates.
	ClassUndeclared ClassStorage = iota
	// ClassKV is a class created by new_classes.
	ClassKV
	// ClassSQLite is a class created by new_sqlite_classes.
	ClassSQLite
	// ClassDeleted is a class a migration deleted.
	ClassDeleted
)

// DurableClasses applies the migrations in order and returns each class's storage backend,
// and, for classes renamed along the way, the names they had before (oldest first), so that
// their objects' data can be found under the old names.
func DurableClasses(ms []Migration) (classes map[string]ClassStorage, formerNames map[string][]string) {
	classes, formerNames = map[string]ClassStorage{}, map[string][]string{}
	for _, m := range ms {
		for _, c := range m.NewClasses {
			classes[c] = ClassKV
		}
		for _, c := range m.NewSQLiteClasses {
			classes[c] = ClassSQLite
		}
		for _, r := range m.RenamedClasses {
			classes[r.To] = classes[r.From]
			classes[r.From] = ClassDeleted
			formerNames[r.To] = append(append(formerNames[r.From], r.From), formerNames[r.To]...)
			delete(formerNames, r.From)
		}
		for _, c := range m.DeletedClasses {
			classes[c] = ClassDeleted
		}
	}
	return classes, formerNames
}

// durableObjects reads durable_objects with wrangler's rules: an object with a bindings
// array, each binding with string name and class_name, and optional string script_name and
// environment (environment only with script_name). Unknown fields are warned about.
func (r *fieldReader) durableObjects() (out []DurableObjectBinding, warnings []string) {
	v, at, ok := r.get("durable_objects")
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.fail(at, "%q must be an object with a \"bindings\" array, got %s", at.String(), describe(v))
		return nil, nil
	}
	for _, k := range sortedKeys(m) {
		if k != "bindings" {
			warnings = append(warnings, fmt.Sprintf("unexpected field %q in %s", k, at.String()))
		}
	}
	bv, present := m["bindings"]
	if !present {
		r.fail(at, "%q is missing the required \"bindings\" property", at.String())
		return nil, warnings
	}
	bat := at.child("bindings")
	arr, ok := bv.([]any)
	if !ok {
		r.fail(bat, "%q must be an array, got %s", bat.String(), describe(bv))
		return nil, warnings
	}
	seen := map[string]bool{}
	for i, e := range arr {
		at := bat.index(i)
		b, ok := e.(map[string]any)
		if !ok {
			r.fail(at, "%q must be an object with name and class_name, got %s", at.String(), describe(e))
			continue
		}
		str := func(key string, required bool) string {
			v, present := b[key]
			if !present {
				if required {
					r.fail(at, "%q must have a string %q field", at.String(), key)
				}
				return ""
			}
			s, ok := v.(string)
			if !ok {
				r.fail(at.child(key), "%q must be a string, got %s", at.child(key).String(), describe(v))
			}
			return s
		}
		d := DurableObjectBinding{
			Name: str("name", true), ClassName: str("class_name", true),
			ScriptName: str("script_name", false), Environment: str("environment", false),
		}
		if _, hasEnv := b["environment"]; hasEnv {
			if _, hasScript := b["script_name"]; !hasScript {
				r.fail(at, "%q must have a \"script_name\" field if \"environment\" is present", at.String())
			}
		}
		for _, k := range sortedKeys(b) {
			if !slices.Contains([]string{"name", "class_name", "script_name", "environment"}, k) {
				warnings = append(warnings, fmt.Sprintf("unexpected field %q in %s", k, at.String()))
			}
		}
		switch {
		case d.Name == "":
		case !validBinding.MatchString(d.Name):
			r.fail(at.child("name"), "%q must be a valid JavaScript identifier, got %q", at.child("name").String(), d.Name)
		case seen[d.Name]:
			r.fail(at.child("name"), "%q: the binding %q is defined more than once", at.child("name").String(), d.Name)
		}
		seen[d.Name] = true
		out = append(out, d)
	}
	return out, warnings
}

// migrations reads migrations with wrangler's rules: an array of objects with a string tag
// and optional arrays of class names (renamed_classes of {from, to}); tags must be unique.
func (r *fieldReader) migrations() (out []Migration, warnings []string) {
	v, at, ok := r.get("migrations")
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.fail(at, "%q must be an array, got %s", at.String(), describe(v))
		return nil, nil
	}
	tags := map[string]bool{}
	for i, e := range arr {
		at := at.index(i)
		o, ok := e.(map[string]any)
		if !ok {
			r.fail(at, "%q must be an object with a tag, got %s", at.String(), describe(e))
			continue
		}
		var m Migration
		if tv, present := o["tag"]; !present {
			r.fail(at, "%q must have a string \"tag\" field", at.String())
		} else if s, ok := tv.(string); !ok {
			r.fail(at.child("tag"), "%q must be a string, got %s", at.child("tag").String(), describe(tv))
		} else if tags[s] {
			r.fail(at.child("tag"), "%q: the tag %q is used by an earlier migration", at.child("tag").String(), s)
		} else {
			m.Tag, tags[s] = s, true
		}
		names := func(key string) []string {
			v, present := o[key]
			if !present {
				return nil
			}
			return r.stringArray(v, at.child(key))
		}
		m.NewClasses = names("new_classes")
		m.NewSQLiteClasses = names("new_sqlite_classes")
		m.DeletedClasses = names("deleted_classes")
		if rv, present := o["renamed_classes"]; present {
			ra, ok := rv.([]any)
			if !ok {
				r.fail(at.child("renamed_classes"), "%q must be an array of {from, to} objects, got %s", at.child("renamed_classes").String(), describe(rv))
			}
			for j, x := range ra {
				xo, _ := x.(map[string]any)
				from, ok1 := xo["from"].(string)
				to, ok2 := xo["to"].(string)
				if !ok1 || !ok2 {
					rat := at.child("renamed_classes").index(j)
					r.fail(rat, "%q must be an object with string \"from\" and \"to\" fields, got %s", rat.String(), describe(x))
					continue
				}
				m.RenamedClasses = append(m.RenamedClasses, RenamedClass{from, to})
			}
		}
		for _, k := range sortedKeys(o) {
			if !slices.Contains([]string{"tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes", "transferred_classes"}, k) {
				warnings = append(warnings, fmt.Sprintf("unexpected field %q in %s", k, at.String()))
			}
		}
		out = append(out, m)
	}
	return out, warnings
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
