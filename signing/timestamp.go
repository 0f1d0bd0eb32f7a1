package signing

import "time"

// tolerance returns d, or DefaultTolerance when d is zero.
func tolerance(d time.Duration) time.Duration {
	if d == 0 {
		return DefaultTolerance
	}
	return d
}

// withinTolerance reports whether the unix timestamp ts (seconds) lies no more
// than tol before or after now, at one-second resolution. It works on whole
// seconds so that a timestamp exactly tol old still passes, and it cannot
// overflow for any ts.
func withinTolerance(ts int64, now time.Time, tol time.Duration) bool {
	n := now.Unix()
	t := int64(tol / time.Second)
	return ts >= n-t && ts <= n+t
}
