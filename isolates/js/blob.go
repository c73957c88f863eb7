package js

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/dop251/goja"
	"github.com/moltworker/molt/isolates/formdata"
)

func init() {
	register("blob", []string{"Blob", "File"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			// decode is Blob.text(): UTF-8 with replacement characters and, as in workerd, a
			// byte order mark kept rather than stripped.
			"decode": func(v goja.Value) string {
				data, _ := iso.chunkBytes(v)
				s, _ := decodeUTF8(data, false)
				return s
			},
		}
	})
	register("formdata", []string{"FormData"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"parse": iso.parseFormData,
			// boundary is 16 random bytes in hex, as workerd makes them.
			"boundary": func() string {
				var b [16]byte
				rand.Read(b[:])
				return hex.EncodeToString(b[:])
			},
		}
	})
}

// parseFormData is parse(bytes, contentType): an array of [name, string] entries and, for
// files, [name, ArrayBuffer, filename, type]. Workers dated before 2021-11-03 get files as
// strings, as workerd's formdata_parser_supports_files flag has it.
func (iso *Isolate) parseFormData(body goja.Value, contentType string) goja.Value {
	data, _ := iso.chunkBytes(body)
	entries, err := formdata.Parse(data, contentType)
	if err != nil {
		iso.throwTypeError("%s", err.Error())
	}
	files := iso.cfg.compat("formdata_parser_supports_files", "formdata_parser_converts_files_to_strings", "2021-11-03") ||
		iso.cfg.CompatibilityDate == ""
	out := make([]any, len(entries))
	for i, e := range entries {
		if e.IsFile && files {
			buf := make([]byte, len(e.Value))
			copy(buf, e.Value)
			out[i] = iso.vm.NewArray(e.Name, iso.vm.NewArrayBuffer(buf), e.Filename, e.Type)
		} else {
			out[i] = iso.vm.NewArray(e.Name, string(e.Value))
		}
	}
	return iso.vm.NewArray(out...)
}
