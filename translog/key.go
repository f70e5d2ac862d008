package translog

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/signroom/signroom/internal/keyfile"
	"golang.org/x/mod/sumdb/note"
)

// Log key file names inside the directory given to LoadOrCreateKey.
const (
	KeyFile       = "log.key"  // the note signer key ("PRIVATE+KEY+<origin>+..."), mode 0600
	PublicKeyFile = "log.vkey" // the note verifier key ("<origin>+<hash>+<key>"), published
)

// ErrKey reports a log key that cannot be used.
var ErrKey = errors.New("unusable transparency log key")

// Key is the log's signing key and its public verifier key.
type Key struct {
	Signer note.Signer
	Public string // verifier key, as given to signroom verify --log-key
}

// Origin is the log's origin line: the key's name.
func (k Key) Origin() string { return k.Signer.Name() }

// LoadOrCreateKey loads log.key and log.vkey from dir, or, if neither exists, generates an
// Ed25519 note key named origin and writes them there (log.key mode 0600), creating dir
// (0700). A loaded key keeps the origin it was made with. One file alone is an error.
func LoadOrCreateKey(dir, origin string) (Key, error) {
	skPath, vkPath := filepath.Join(dir, KeyFile), filepath.Join(dir, PublicKeyFile)
	sk, errS := os.ReadFile(skPath)
	vk, errV := os.ReadFile(vkPath)
	if errS == nil && errV == nil {
		return parseKey(string(sk), string(vk))
	}
	if !errors.Is(errS, os.ErrNotExist) || !errors.Is(errV, os.ErrNotExist) {
		return Key{}, fmt.Errorf("load log key from %s: %w: need both %s and %s", dir, ErrKey, KeyFile, PublicKeyFile)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return Key{}, fmt.Errorf("create log key %q: %w: %v", origin, ErrKey, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, fmt.Errorf("create log key: %w", err)
	}
	if err := keyfile.WriteNew(skPath, []byte(skey+"\n"), 0o600); err != nil {
		return Key{}, err
	}
	if err := keyfile.WriteNew(vkPath, []byte(vkey+"\n"), 0o644); err != nil {
		return Key{}, err
	}
	return parseKey(skey, vkey)
}

func parseKey(skey, vkey string) (Key, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return Key{}, fmt.Errorf("%w: %s: %v", ErrKey, KeyFile, err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return Key{}, fmt.Errorf("%w: %s: %v", ErrKey, PublicKeyFile, err)
	}
	if v.Name() != s.Name() || v.KeyHash() != s.KeyHash() {
		return Key{}, fmt.Errorf("%w: %s is not the public key of %s", ErrKey, PublicKeyFile, KeyFile)
	}
	return Key{Signer: s, Public: strings.TrimSpace(vkey)}, nil
}

// OriginFor derives a log origin from a service's public URL, as c2sp.org/tlog-tiles
// recommends: the schema-less URL of the log's prefix, e.g. "sign.example.org/log".
func OriginFor(publicURL string) string {
	o := strings.TrimPrefix(strings.TrimPrefix(publicURL, "https://"), "http://")
	return strings.TrimRight(o, "/") + strings.TrimRight(PublicPath, "/")
}
