package caddymodule

import (
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/badgerstore"
)

// A store open with process durability cannot be made fsync by a reload:
// the reload must fail rather than acknowledge under a promise it does not
// keep. The other way round, the store stays stronger than asked.
func TestOpenStoreDurabilityAcrossReload(t *testing.T) {
	for _, c := range []struct {
		open, reload string
		wantErr      bool
		keeps        badgerstore.Durability
	}{
		{DurabilityProcess, DurabilityFsync, true, badgerstore.Process},
		{DurabilityFsync, DurabilityProcess, false, badgerstore.Fsync},
		{DurabilityFsync, DurabilityFsync, false, badgerstore.Fsync},
		{DurabilityProcess, DurabilityProcess, false, badgerstore.Process},
	} {
		t.Run(c.open+"_to_"+c.reload, func(t *testing.T) {
			dir := t.TempDir()
			st, key, err := openStore(dir, c.open, zap.NewNop())
			if err != nil {
				t.Fatal(err)
			}
			again, key2, err := openStore(dir, c.reload, zap.NewNop())
			if c.wantErr {
				if err == nil || !strings.Contains(err.Error(), "restart") {
					t.Fatalf("reload to %s: err = %v, want an error asking for a restart", c.reload, err)
				}
			} else {
				if err != nil {
					t.Fatalf("reload to %s: %v", c.reload, err)
				}
				if again != st {
					t.Fatal("a second database was opened on the same directory")
				}
				defer closeStore(key2)
			}
			if st.Durability() != c.keeps {
				t.Fatalf("durability = %v, want %v", st.Durability(), c.keeps)
			}
			// The refused reload released its use: the first config's
			// close is the last one and really closes the database.
			if err := closeStore(key); err != nil {
				t.Fatal(err)
			}
			if c.wantErr {
				reopened, err := badgerstore.Open(badgerstore.Options{Dir: dir})
				if err != nil {
					t.Fatalf("the database stayed open after its last user closed it: %v", err)
				}
				_ = reopened.Close()
			}
		})
	}
}
