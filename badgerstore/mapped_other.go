//go:build !linux

package badgerstore

import "fmt"

// trimMapped is Linux-only: elsewhere the store's mapped pages stay
// resident until the kernel reclaims them.
func (s *Store) trimMapped(logBudget, tableBudget int64) (int64, bool, error) {
	return 0, false, fmt.Errorf("%w: implemented for Linux only", errTrimUnsupported)
}

// fileResident is Linux-only, like trimMapped.
func fileResident() (int64, error) {
	return 0, fmt.Errorf("%w: implemented for Linux only", errTrimUnsupported)
}
