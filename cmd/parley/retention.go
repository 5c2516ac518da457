package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// retentionFlag is how long webhook delivery logs and payloads are kept: a
// Go duration ("720h") or a number of days ("30d"). 0 keeps everything.
type retentionFlag struct{ d *time.Duration }

// parseRetention reads a retention period.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("invalid retention %q: want a duration such as 720h or a number of days such as 30d", s)
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("invalid retention %q: want a duration such as 720h or a number of days such as 30d", s)
		}
	}
	if d < 0 {
		return 0, errors.New("retention cannot be negative")
	}
	return d, nil
}

func (f retentionFlag) String() string {
	if f.d == nil {
		return ""
	}
	return formatRetention(*f.d)
}

func (f retentionFlag) Set(s string) error {
	d, err := parseRetention(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// formatRetention writes whole hours as "720h", anything else as Go does.
func formatRetention(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
