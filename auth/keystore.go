package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrKeyStore is wrapped by errors about an inconsistent key directory.
var ErrKeyStore = errors.New("key store is inconsistent")

const (
	keysDir    = "keys"
	activeFile = "active"
	pemType    = "PRIVATE KEY"
)

// LoadOrCreateKeyRing loads the keys kept in dir/keys, creating the
// directory (0700) and a first key (0600) when it holds none.
func LoadOrCreateKeyRing(dir string) (*KeyRing, error) {
	kd := filepath.Join(dir, keysDir)
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return nil, fmt.Errorf("create key directory: %w", err)
	}
	keys, err := readKeys(kd)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		k := &KeyRing{keys: map[string]ed25519.PrivateKey{}}
		if _, err := k.Rotate(dir); err != nil {
			return nil, err
		}
		return k, nil
	}
	active, err := readActive(dir, keys)
	if err != nil {
		return nil, err
	}
	return &KeyRing{active: active, keys: keys}, nil
}

// Reload replaces the ring's keys with those kept in dir/keys, so a
// running server picks up a rotation done by another process.
func (k *KeyRing) Reload(dir string) error {
	keys, err := readKeys(filepath.Join(dir, keysDir))
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("reload keys: %w", ErrNoKeys)
	}
	active, err := readActive(dir, keys)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys, k.active = keys, active
	return nil
}

// readKeys reads every KID.pem in kd and checks each name against its key.
func readKeys(kd string) (map[string]ed25519.PrivateKey, error) {
	names, err := filepath.Glob(filepath.Join(kd, "*.pem"))
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	keys := make(map[string]ed25519.PrivateKey, len(names))
	for _, name := range names {
		key, err := readKey(name)
		if err != nil {
			return nil, err
		}
		kid := Thumbprint(key.Public().(ed25519.PublicKey))
		if want := strings.TrimSuffix(filepath.Base(name), ".pem"); want != kid {
			return nil, fmt.Errorf("key file %s holds key %s: %w", filepath.Base(name), kid, ErrKeyStore)
		}
		keys[kid] = key
	}
	return keys, nil
}

func readKey(name string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	key, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", filepath.Base(name), err)
	}
	return key, nil
}

// ParsePrivateKeyPEM parses an Ed25519 private key from a PKCS#8 PEM block
// ("PRIVATE KEY"), as kept by LoadOrCreateKeyRing or made by
// `openssl genpkey -algorithm ed25519`.
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType {
		return nil, fmt.Errorf("no %s PEM block: %w", pemType, ErrBadKey)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#8: %w", ErrBadKey)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T: %w", parsed, ErrBadKey)
	}
	return key, nil
}

// MarshalPrivateKeyPEM encodes key as a PKCS#8 PEM block.
func MarshalPrivateKeyPEM(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// readActive reads dir/keys/active. Without that file a lone key is active
// (a first start that stopped between writing the key and the marker).
func readActive(dir string, keys map[string]ed25519.PrivateKey) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, keysDir, activeFile))
	if errors.Is(err, fs.ErrNotExist) && len(keys) == 1 {
		for kid := range keys {
			return kid, writeActive(dir, kid)
		}
	}
	if err != nil {
		return "", fmt.Errorf("read active key id: %w", err)
	}
	kid := strings.TrimSpace(string(data))
	if _, ok := keys[kid]; !ok {
		return "", fmt.Errorf("active key %q has no key file: %w", kid, ErrKeyStore)
	}
	return kid, nil
}

func writeKey(dir, kid string, key ed25519.PrivateKey) error {
	data, err := MarshalPrivateKeyPEM(key)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, keysDir), kid+".pem", data)
}

func writeActive(dir, kid string) error {
	return writeFileAtomic(filepath.Join(dir, keysDir), activeFile, []byte(kid+"\n"))
}

func removeKey(dir, kid string) error {
	if err := os.Remove(filepath.Join(dir, keysDir, kid+".pem")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove key: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to kd/name with mode 0600 through a synced
// temporary file and a rename, so readers never see a partial file.
func writeFileAtomic(kd, name string, data []byte) (err error) {
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	f, err := os.CreateTemp(kd, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = os.Rename(f.Name(), filepath.Join(kd, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// generateKey returns a new Ed25519 private key.
func generateKey() (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return key, nil
}
