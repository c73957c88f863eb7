package ai

import (
	"context"
	"io"
	"strings"
	"testing"
)

// A panic while generating (here: a TextGeneration with no model or tokenizer) ends that
// stream with an error instead of taking the process down.
func TestStreamPanicEndsTheStreamAlone(t *testing.T) {
	s := (&TextGeneration{}).stream(context.Background(), &TextRequest{})
	defer s.Close()
	_, err := io.ReadAll(s)
	if err == nil || !strings.Contains(err.Error(), "internal error in text generation") {
		t.Fatalf("read the stream: err = %v, want the recovered panic", err)
	}
}
