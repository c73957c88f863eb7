package config

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"trailing blanks", "A=1\n  \t", map[string]string{"A": "1"}},
		{"comments and blank lines", "# c\n\n  # indented\n\t\nA=1\n", map[string]string{"A": "1"}},
		{"unquoted is trimmed", "A =  hello world  \nB=\nC=   \n", map[string]string{"A": "hello world", "B": "", "C": ""}},
		{"comment ends unquoted", "A=x # c\nB=x#y\nC=#only\n", map[string]string{"A": "x", "B": "x", "C": ""}},
		{"export prefix", "export A=1\nexport\tB=2\nexport=3\n", map[string]string{"A": "1", "B": "2", "export": "3"}},
		{"key characters", "a.b-c_D9=1\n", map[string]string{"a.b-c_D9": "1"}},
		{"colon separator", "A: 1\nB:\tx y\n", map[string]string{"A": "1", "B": "x y"}},
		{"single quotes keep everything", `A='a #b \n "c"'`, map[string]string{"A": `a #b \n "c"`}},
		{"double quotes expand \\n and \\r", `A="a\nb\rc\t#"`, map[string]string{"A": "a\nb\rc\\t#"}},
		{"backticks", "A=`it's \"x\"`", map[string]string{"A": `it's "x"`}},
		{"comment after quotes", `A="x" # c` + "\nB='y'\t", map[string]string{"A": "x", "B": "y"}},
		{"multiline double quotes", "A=\"line 1\nline 2\"\nB=2", map[string]string{"A": "line 1\nline 2", "B": "2"}},
		{"multiline single quotes", "A='-----BEGIN-----\nabc\n-----END-----'\n", map[string]string{"A": "-----BEGIN-----\nabc\n-----END-----"}},
		{"escaped quote stays escaped", `A="say \"hi\""`, map[string]string{"A": `say \"hi\"`}},
		{"backslash before closing quote", `A="C:\dir\"`, map[string]string{"A": `C:\dir\`}},
		{"empty quotes", `A=""` + "\nB=''", map[string]string{"A": "", "B": ""}},
		{"later key wins", "A=1\nA=2\n", map[string]string{"A": "2"}},
		{"CRLF and CR line endings", "A=1\r\nB=\"x\r\ny\"\rC=3", map[string]string{"A": "1", "B": "x\ny", "C": "3"}},
		{"byte order mark", "\uFEFFA=1", map[string]string{"A": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDotenv(".dev.vars", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseDotenv(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestParseDotenvErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no separator", "A=1\nJUST_A_KEY\n", ".dev.vars:2:11: expected = after JUST_A_KEY"},
		{"no key", "A=1\n  =2\n", ".dev.vars:2:3: expected a variable name (letters, digits, _ . -)"},
		{"bad key character", "MY KEY=1", ".dev.vars:1:4: expected = after MY"},
		{"colon without space", "A:1", ".dev.vars:1:2: expected = after A"},
		{"export alone", "export\n", ".dev.vars:1:7: expected = after export"},
		{"unterminated", "A=1\nB=\"abc\nC=2\n", ".dev.vars:2:3: unterminated quoted value"},
		{"unterminated before a later quote", "A=\"abc\nB=\"x\"\n", ".dev.vars:1:3: unterminated quoted value"},
		{"text after closing quote", "A='x' y\n", ".dev.vars:1:7: unexpected text after the closing quote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDotenv(".dev.vars", []byte(tc.src))
			if err == nil || err.Error() != tc.want {
				t.Errorf("parseDotenv(%q) error = %v, want %s", tc.src, err, tc.want)
			}
		})
	}
}

func FuzzDevVars(f *testing.F) {
	for _, s := range []string{
		"A=1\n# c\nexport B='x'\nC=\"multi\nline\"\n",
		`A="a\"b"`, `A="C:\dir\"`, "A: b", "A='x' y", "A=\"abc", "\r\n\r", "export", "=", "\uFEFFA=1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		vars, err := parseDotenv(".dev.vars", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != ".dev.vars" || e.Line < 1 || e.Column < 1 {
				t.Fatalf("parseDotenv(%q) error without a position: %#v", src, err)
			}
			return
		}
		for k := range vars {
			if k == "" {
				t.Fatalf("parseDotenv(%q) has an empty key", src)
			}
		}
	})
}
