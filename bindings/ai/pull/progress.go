package pull

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moltworker/molt/bindings/ai"
)

// progress draws a one-line progress bar, redrawn in place at most ten
// times a second.
type progress struct {
	w           io.Writer
	file        string
	total       int64 // -1 when unknown
	startAt     int64
	started     time.Time
	lastDraw    time.Time
	lastWritten int64
}

func newProgress(w io.Writer, file string) *progress {
	return &progress{w: w, file: file, total: -1}
}

// start begins an attempt at byte have of total.
func (p *progress) start(have, total int64) {
	p.total, p.startAt, p.started, p.lastWritten = total, have, time.Now(), have
	p.draw(have)
}

func (p *progress) update(have int64) {
	if time.Since(p.lastDraw) >= 100*time.Millisecond {
		p.draw(have)
	}
	p.lastWritten = have
}

func (p *progress) draw(have int64) {
	if p.w == nil {
		return
	}
	p.lastDraw = time.Now()
	rate := ""
	if secs := time.Since(p.started).Seconds(); secs > 0.2 {
		rate = fmt.Sprintf("  %s/s", ai.HumanBytes(int64(float64(have-p.startAt)/secs)))
	}
	if p.total > 0 {
		const width = 30
		filled := int(float64(width) * float64(have) / float64(p.total))
		filled = max(0, min(width, filled))
		fmt.Fprintf(p.w, "\r%s [%s%s] %5.1f%% %s / %s%s   ", p.file, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			100*float64(have)/float64(p.total), ai.HumanBytes(have), ai.HumanBytes(p.total), rate)
		return
	}
	fmt.Fprintf(p.w, "\r%s %s%s   ", p.file, ai.HumanBytes(have), rate)
}

// note prints a message on its own line.
func (p *progress) note(msg string) {
	if p.w != nil {
		fmt.Fprintf(p.w, "\n%s\n", msg)
	}
}

func (p *progress) done() {
	if p.w != nil {
		p.draw(p.lastWritten)
		fmt.Fprintln(p.w)
	}
}
