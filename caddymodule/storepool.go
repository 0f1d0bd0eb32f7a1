package caddymodule

import (
	"fmt"
	"path/filepath"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/hookgate/hookgate/badgerstore"
)

// stores shares open Badger databases across config reloads. Caddy
// provisions a new config before it cleans up the old one, so both use the
// same directory for a while, and Badger's directory lock forbids opening it
// twice.
var stores = caddy.NewUsagePool()

type pooledStore struct{ *badgerstore.Store }

func (p pooledStore) Destruct() error { return p.Close() }

// openStore opens the store in dir, or shares the one already open there.
func openStore(dir, durability string, logger *zap.Logger) (*badgerstore.Store, string, error) {
	key, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", fmt.Errorf("webhooks: storage_dir %s: %w", dir, err)
	}
	d := badgerstore.Fsync
	if durability == DurabilityProcess {
		d = badgerstore.Process
	}
	val, loaded, err := stores.LoadOrNew(key, func() (caddy.Destructor, error) {
		st, err := badgerstore.Open(badgerstore.Options{Dir: key, Durability: d, Logger: logger.Named("badger")})
		if err != nil {
			return nil, err
		}
		return pooledStore{st}, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("webhooks: %w", err)
	}
	st := val.(pooledStore).Store
	switch {
	case !loaded || st.Durability() == d:
	case d == badgerstore.Fsync:
		// Badger fixes durability when it opens, and the old config holds
		// the database open through the reload. Acknowledging under a
		// config that promises fsync without it would break the promise
		// silently; failing the reload keeps the running config and says so.
		_ = closeStore(key)
		return nil, "", fmt.Errorf("webhooks: storage_dir %s is open with durability process; "+
			"changing it to fsync takes a restart of Caddy, not a reload", key)
	default:
		logger.Warn("the store keeps durability fsync until Caddy restarts; process takes effect then",
			zap.String("storage_dir", key))
	}
	return st, key, nil
}

// closeStore drops one use of the store; the last one closes it.
func closeStore(key string) error {
	_, err := stores.Delete(key)
	return err
}
