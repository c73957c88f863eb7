package platform

import (
	"testing"
	"time"
)

// Cron expressions fire at the minutes Cloudflare's documentation gives for its examples.
func TestCron(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04 Mon", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tt := range []struct {
		expr string
		t    string
		want bool
	}{
		{"* * * * *", "2026-12-03 13:59 Thu", true},
		{"*/30 * * * *", "2026-12-03 13:30 Thu", true},
		{"*/30 * * * *", "2026-12-03 13:31 Thu", false},
		{"45 * * * *", "2026-12-03 07:45 Thu", true},
		{"3-59/5 * * * *", "2026-12-03 07:00 Thu", false},
		{"3-59/5 * * * *", "2026-12-03 07:58 Thu", true},
		{"0 17 * * sun", "2026-12-06 17:00 Sun", true},
		{"0 17 * * 1", "2026-12-06 17:00 Sun", true}, // 1 is Sunday
		{"0 17 * * 1", "2026-12-07 17:00 Mon", false},
		{"10 7 * * mon-fri", "2026-12-04 07:10 Fri", true},
		{"10 7 * * 2-6", "2026-12-05 07:10 Sat", false},
		{"0 15 1 * *", "2026-12-01 15:00 Tue", true},
		{"0 18 * * 6L", "2026-12-25 18:00 Fri", true}, // the last Friday of December 2026
		{"0 18 * * friL", "2026-12-18 18:00 Fri", false},
		{"59 23 L * *", "2026-02-28 23:59 Sat", true},
		{"59 23 L * *", "2026-12-30 23:59 Wed", false},
		{"0 10 * * MON#2", "2026-12-14 10:00 Mon", true},
		{"0 10 * * 2#2", "2026-12-07 10:00 Mon", false},
		{"0 0 * JAN,jul *", "2026-07-05 00:00 Sun", true},
		{"0 0 1 * 2", "2026-12-07 00:00 Mon", true}, // day of month or weekday, as in Vixie cron
		// W: the weekday nearest the day, within the month.
		{"0 9 15W * *", "2026-11-16 09:00 Mon", true}, // the 15th is a Sunday
		{"0 9 15W * *", "2026-11-15 09:00 Sun", false},
		{"0 9 14W * *", "2026-11-13 09:00 Fri", true}, // the 14th is a Saturday
		{"0 9 3W * *", "2026-12-03 09:00 Thu", true},
		{"0 9 1W * *", "2026-08-03 09:00 Mon", true}, // Saturday the 1st: Monday the 3rd, not July 31st
		{"0 9 1W * *", "2026-07-31 09:00 Fri", false},
		{"0 9 31W * *", "2026-05-29 09:00 Fri", true},  // Sunday the 31st: Friday the 29th
		{"0 9 31W * *", "2026-06-30 09:00 Tue", false}, // June has no 31st
		{"0 9 LW * *", "2026-10-30 09:00 Fri", true},   // October 31st is a Saturday
		{"0 9 LW * *", "2026-12-31 09:00 Thu", true},
		{"0 9 LW * *", "2026-10-31 09:00 Sat", false},
		{"0 9 1,15W * *", "2026-12-01 09:00 Tue", true},
	} {
		c, err := parseCron(tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := c.matches(at(tt.t)); got != tt.want {
			t.Errorf("%q at %s = %v, want %v", tt.expr, tt.t, got, tt.want)
		}
	}
	for _, bad := range []string{"* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "* * * * 0", "*/0 * * * *", "5-1 * * * *", "* * 1-5W * *", "* * 32W * *", "* * W * *", "* * * * 2#6", "* * * * 2#0"} {
		if _, err := parseCron(bad); err == nil {
			t.Errorf("parseCron(%q) accepted", bad)
		}
	}
}

// Cron expressions come from uploaded configurations: parsing never panics, and whatever
// parses can be matched.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"* * * * *", "3-59/5 * * * *", "0 9 15W * *", "0 9 LW * *", "0 18 * * 6L", "0 10 * * MON#2", "59 23 L * *"} {
		f.Add(s)
	}
	at := time.Date(2026, 2, 28, 23, 59, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := parseCron(expr)
		if err != nil {
			return
		}
		for i := range 40 {
			c.matches(at.Add(time.Duration(i) * 24 * time.Hour))
		}
	})
}
