package badgerstore

import (
	"fmt"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// badgerLogger routes Badger's log to zap. Badger's Info messages (table
// flushes, compactions, replay progress) are routine for an operator of
// hookgate, so they become Debug; warnings and errors keep their level.
type badgerLogger struct {
	l *zap.Logger
}

func (b badgerLogger) logf(lvl zapcore.Level, format string, args []any) {
	// Check the level first: Badger logs at Debug on every write, and
	// formatting those messages would cost more than the write itself.
	if !b.l.Core().Enabled(lvl) {
		return
	}
	b.l.Log(lvl, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

// Errorf implements badger.Logger.
func (b badgerLogger) Errorf(format string, args ...any) { b.logf(zap.ErrorLevel, format, args) }

// Warningf implements badger.Logger.
func (b badgerLogger) Warningf(format string, args ...any) { b.logf(zap.WarnLevel, format, args) }

// Infof implements badger.Logger.
func (b badgerLogger) Infof(format string, args ...any) { b.logf(zap.DebugLevel, format, args) }

// Debugf implements badger.Logger.
func (b badgerLogger) Debugf(format string, args ...any) { b.logf(zap.DebugLevel, format, args) }
