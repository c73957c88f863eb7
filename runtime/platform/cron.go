package platform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a parsed cron expression in Cloudflare's dialect: five fields (minute, hour,
// day of month, month, weekday), weekdays 1-7 with 1 = Sunday, names (JAN, mon), "*", lists,
// ranges and steps; "L" (last day), "15W" (the weekday nearest the 15th) and "LW" (the last
// weekday) in the day of month; "5L" (last Thursday) and "2#1" (first Monday) in the weekday.
// Times are UTC.
type cronSpec struct {
	expr              string
	minute, hour, dom uint64 // bit i set: value i matches
	month             uint64
	dow               uint64 // bit 0 is Sunday, as time.Weekday counts
	domStar, dowStar  bool
	lastDOM           bool
	nearestWeekday    uint64   // day-of-month bits of "nW"
	lastWeekday       bool     // "LW"
	lastDOW           uint64   // weekday bits of "nL"
	nthDOW            [7]uint8 // per weekday, bit k-1 set for "n#k"
}

var monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// Weekday names map to Cloudflare's numbers: SUN is 1.
var dayNames = map[string]int{"sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7}

func parseCron(expr string) (*cronSpec, error) {
	f := strings.Fields(expr)
	if len(f) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month weekday), got %d", expr, len(f))
	}
	c := &cronSpec{expr: expr}
	var err error
	fail := func(field string, e error) (*cronSpec, error) {
		return nil, fmt.Errorf("cron %q: %s: %w", expr, field, e)
	}
	if c.minute, err = parseField(f[0], 0, 59, nil); err != nil {
		return fail("minute", err)
	}
	if c.hour, err = parseField(f[1], 0, 23, nil); err != nil {
		return fail("hour", err)
	}
	c.domStar = f[2] == "*" || f[2] == "?"
	for _, part := range strings.Split(f[2], ",") {
		upper := strings.ToUpper(part)
		switch {
		case upper == "L":
			c.lastDOM = true
			continue
		case upper == "LW":
			c.lastWeekday = true
			continue
		case strings.HasSuffix(upper, "W"):
			// As in Quartz, whose dialect Cloudflare's L, W and # come from: one day, no range.
			d, err := fieldValue(upper[:len(upper)-1], 1, 31, nil)
			if err != nil {
				return fail("day of month", fmt.Errorf("%q: W follows a single day, 1-31", part))
			}
			c.nearestWeekday |= 1 << d
			continue
		}
		bits, err := parseField(part, 1, 31, nil)
		if err != nil {
			return fail("day of month", err)
		}
		c.dom |= bits
	}
	if c.month, err = parseField(f[3], 1, 12, monthNames); err != nil {
		return fail("month", err)
	}
	c.dowStar = f[4] == "*" || f[4] == "?"
	for _, part := range strings.Split(f[4], ",") {
		lower := strings.ToLower(part)
		switch {
		case strings.HasSuffix(lower, "l") && len(lower) > 1:
			d, err := fieldValue(lower[:len(lower)-1], 1, 7, dayNames)
			if err != nil {
				return fail("weekday", err)
			}
			c.lastDOW |= 1 << (d - 1)
		case strings.Contains(lower, "#"):
			day, nth, _ := strings.Cut(lower, "#")
			d, err := fieldValue(day, 1, 7, dayNames)
			if err != nil {
				return fail("weekday", err)
			}
			n, err := strconv.Atoi(nth)
			if err != nil || n < 1 || n > 5 {
				return fail("weekday", fmt.Errorf("%q: the week must be 1 to 5", part))
			}
			c.nthDOW[d-1] |= 1 << (n - 1)
		default:
			bits, err := parseField(lower, 1, 7, dayNames)
			if err != nil {
				return fail("weekday", err)
			}
			c.dow |= bits >> 1 // bit 0 is Sunday, as time.Weekday counts
		}
	}
	return c, nil
}

// parseField parses one field's list of "*", "a", "a-b", with an optional "/step".
func parseField(s string, lo, hi int, names map[string]int) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("%q: bad step", part)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*" || rng == "?":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = fieldValue(a, lo, hi, names); err != nil {
				return 0, err
			}
			if to, err = fieldValue(b, lo, hi, names); err != nil {
				return 0, err
			}
			if to < from {
				return 0, fmt.Errorf("%q: the range ends before it starts", part)
			}
		default:
			v, err := fieldValue(rng, lo, hi, names)
			if err != nil {
				return 0, err
			}
			from = v
			if !hasStep {
				to = v
			}
		}
		for v := from; v <= to; v += step {
			bits |= 1 << v
		}
	}
	return bits, nil
}

func fieldValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q: want %d-%d", s, lo, hi)
	}
	return v, nil
}

// matches reports whether the minute t (UTC) is one the expression fires at. As in Vixie
// cron, when both the day of month and the weekday are restricted either may match.
func (c *cronSpec) matches(t time.Time) bool {
	t = t.UTC()
	if c.minute&(1<<t.Minute()) == 0 || c.hour&(1<<t.Hour()) == 0 || c.month&(1<<int(t.Month())) == 0 {
		return false
	}
	lastDay := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	domOK := c.dom&(1<<t.Day()) != 0 || (c.lastDOM && t.Day() == lastDay) ||
		(c.lastWeekday && t.Day() == nearestWeekday(t, lastDay, lastDay))
	for d := 1; d <= lastDay && !domOK; d++ {
		domOK = c.nearestWeekday&(1<<d) != 0 && t.Day() == nearestWeekday(t, d, lastDay)
	}
	wd := int(t.Weekday())
	dowOK := c.dow&(1<<wd) != 0 ||
		(c.lastDOW&(1<<wd) != 0 && t.Day()+7 > lastDay) ||
		(c.nthDOW[wd]&(1<<((t.Day()-1)/7)) != 0)
	switch {
	case c.domStar && c.dowStar:
		return true
	case c.domStar:
		return dowOK
	case c.dowStar:
		return domOK
	}
	return domOK || dowOK
}

// nearestWeekday is the day of t's month that "dW" fires on: d itself on Monday to Friday,
// otherwise the nearest Friday or Monday within the month (a Saturday the 1st moves to Monday
// the 3rd, a Sunday the last to Friday).
func nearestWeekday(t time.Time, d, lastDay int) int {
	switch time.Date(t.Year(), t.Month(), d, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if d == 1 {
			return 3
		}
		return d - 1
	case time.Sunday:
		if d == lastDay {
			return d - 2
		}
		return d + 1
	}
	return d
}
