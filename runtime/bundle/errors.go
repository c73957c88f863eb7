package bundle

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Error is a failed build: every error esbuild reported, each with the file,
// line and column it points at.
type Error struct {
	Messages []Message
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Messages))
	for i, m := range e.Messages {
		parts[i] = m.String()
	}
	return strings.Join(parts, "\n")
}

// Message is one of esbuild's errors or warnings.
type Message struct {
	// Kind is "ERROR" or "WARNING".
	Kind string
	// File is relative to the project directory; empty when the message is
	// about no particular file.
	File string
	// Line is 1-based and Column 0-based, as esbuild counts them; Column is
	// printed 1-based, as editors expect.
	Line, Column int
	// LineText is the source line the message points at.
	LineText string
	Text     string
}

// String renders the message as "file:line:col: ERROR: text" followed by
// the source line and a caret under the column.
func (m Message) String() string {
	var b strings.Builder
	if m.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", m.File, m.Line, m.Column+1)
	}
	fmt.Fprintf(&b, "%s: %s", m.Kind, m.Text)
	if m.LineText != "" {
		fmt.Fprintf(&b, "\n    %s\n    %s^", m.LineText, strings.Repeat(" ", m.Column))
	}
	return b.String()
}

func newMessage(dir string, msg api.Message, kind string) Message {
	m := Message{Kind: kind, Text: msg.Text}
	if msg.PluginName != "" && msg.PluginName != "molt-module-rules" {
		m.Text = fmt.Sprintf("[plugin %s] %s", msg.PluginName, msg.Text)
	}
	if loc := msg.Location; loc != nil {
		// esbuild names files relative to its working directory, Dir.
		m.File = filepath.ToSlash(loc.File)
		if filepath.IsAbs(loc.File) {
			m.File = relPath(dir, loc.File)
		}
		m.Line, m.Column, m.LineText = loc.Line, loc.Column, loc.LineText
	}
	return m
}

func newError(dir string, msgs []api.Message) *Error {
	e := &Error{}
	for _, msg := range msgs {
		e.Messages = append(e.Messages, newMessage(dir, msg, "ERROR"))
	}
	return e
}
