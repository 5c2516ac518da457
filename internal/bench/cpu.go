package bench

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuMark is a reading of the CPU time spent so far by this process and by
// the whole machine, to split a run's CPU between Parley (with its load
// generator and receivers) and everything else (on one box with the
// database: the database).
type cpuMark struct {
	self    time.Duration
	machine time.Duration // -1 where /proc/stat is unavailable
}

func readCPU() cpuMark {
	var m cpuMark
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	m.machine = machineBusy()
	return m
}

// machineBusy sums the busy CPU time of all cores from /proc/stat (user,
// nice, system, irq, softirq, steal).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return -1
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(ticks) * 10 * time.Millisecond
}

// cpuPerEvent returns the CPU this process and the rest of the machine
// spent per event between two marks, in microseconds (other is -1 when
// unknown).
func cpuPerEvent(from, to cpuMark, events int64) (self, other float64) {
	if events <= 0 {
		return 0, -1
	}
	s := to.self - from.self
	self = float64(s.Microseconds()) / float64(events)
	if from.machine < 0 || to.machine < 0 {
		return self, -1
	}
	return self, max(0, float64((to.machine-from.machine-s).Microseconds())/float64(events))
}
