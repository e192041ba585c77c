// Package vault encrypts sensitive identifiers (such as resident ID numbers)
// at rest and computes keyed hashes of them, so that unique indexes can find
// duplicates without storing the plaintext.
//
// Everything is derived from one 32-byte master key: an AES-256-GCM key and
// an HMAC-SHA256 key, each HMAC-SHA256(master, label) with the labels
// "guanai/aes-gcm" and "guanai/hmac", plus a short public fingerprint that
// lets the application detect that it was started with the wrong key.
//
// Sealed values have the layout
//
//	version (1 byte, = 1) || nonce (12 bytes) || ciphertext || GCM tag (16 bytes)
//
// and the version byte is authenticated as additional data.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

// EncodedKeySize is the length of a master key in standard base64.
const EncodedKeySize = 44

// Labels for deriving sub-keys and the fingerprint. Changing any of them
// makes existing data unreadable and existing hashes unmatchable.
const (
	labelAES         = "guanai/aes-gcm"
	labelHMAC        = "guanai/hmac"
	labelFingerprint = "guanai/fingerprint"
)

// Format constants of sealed values.
const (
	version1  = 1
	nonceSize = 12
	tagSize   = 16
	headerLen = 1 + nonceSize
)

// ErrOpen is wrapped by every error returned by Open: the input is too
// short, has an unknown version, was tampered with, or was sealed with
// another key.
var ErrOpen = errors.New("vault: cannot open sealed value")

// Vault seals and opens values and computes keyed hashes. It is safe for
// concurrent use.
type Vault struct {
	aead        cipher.AEAD
	macKey      []byte
	fingerprint string
}

// derive returns HMAC-SHA256(key, label).
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// New builds a Vault from a 32-byte master key. The master key itself is not
// retained.
func New(master []byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("vault: master key must be %d bytes, got %d", KeySize, len(master))
	}
	block, err := aes.NewCipher(derive(master, labelAES))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{
		aead:        aead,
		macKey:      derive(master, labelHMAC),
		fingerprint: hex.EncodeToString(derive(master, labelFingerprint))[:16],
	}, nil
}

// Seal encrypts plaintext with AES-256-GCM under a fresh random nonce and
// returns version || nonce || ciphertext+tag (29 bytes longer than the
// plaintext). Sealing the same text twice gives different outputs.
func (v *Vault) Seal(plaintext string) ([]byte, error) {
	out := make([]byte, headerLen, headerLen+len(plaintext)+tagSize)
	out[0] = version1
	if _, err := rand.Read(out[1:headerLen]); err != nil {
		return nil, fmt.Errorf("vault: generating nonce: %w", err)
	}
	return v.aead.Seal(out, out[1:headerLen], []byte(plaintext), out[:1]), nil
}

// Open decrypts a value produced by Seal. It returns an error wrapping
// ErrOpen when b is too short, has an unknown version byte, was modified, or
// was sealed under a different master key.
func (v *Vault) Open(b []byte) (string, error) {
	if len(b) < headerLen+tagSize {
		return "", fmt.Errorf("%w: %d bytes is too short", ErrOpen, len(b))
	}
	if b[0] != version1 {
		return "", fmt.Errorf("%w: unknown format version %d", ErrOpen, b[0])
	}
	pt, err := v.aead.Open(nil, b[1:headerLen], b[headerLen:], b[:1])
	if err != nil {
		return "", fmt.Errorf("%w: authentication failed (wrong key or tampered data)", ErrOpen)
	}
	return string(pt), nil
}

// Hash returns the hex-encoded (64 characters) HMAC-SHA256 of
// kind + "\x00" + value under the vault's hash key. Use it in unique indexes
// to find duplicates without storing the plaintext: kind separates
// namespaces (for example "idcard"), and value should be normalised first
// (for example idcard.ID.Number). kind must not contain a NUL byte.
func (v *Vault) Hash(kind, value string) string {
	m := hmac.New(sha256.New, v.macKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// Fingerprint returns 16 hex characters identifying the master key
// (HMAC-SHA256 of a fixed label, truncated). Store it next to the data and
// compare at start-up to detect a wrong key; it reveals nothing useful about
// the key.
func (v *Vault) Fingerprint() string { return v.fingerprint }

// GenerateKey returns a new random 32-byte master key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("vault: generating key: %w", err)
	}
	return k, nil
}

// EncodeKey returns key in standard base64 (44 characters for a 32-byte key).
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// DecodeKey parses a master key written by EncodeKey. Surrounding white
// space is ignored; the rest must be exactly 44 characters of standard,
// padded base64 encoding 32 bytes. The error says what is wrong.
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("vault: key is empty")
	}
	if len(s) != EncodedKeySize {
		if len(s) == 2*KeySize && isHex(s) {
			return nil, fmt.Errorf("vault: key looks like hex (%d characters); it must be %d bytes in standard base64 (%d characters)",
				len(s), KeySize, EncodedKeySize)
		}
		return nil, fmt.Errorf("vault: key must be %d characters of standard base64 (%d bytes), got %d characters",
			EncodedKeySize, KeySize, len(s))
	}
	k, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		hint := ""
		if strings.ContainsAny(s, "-_") {
			hint = " (it looks URL-safe; use standard base64 with + and /)"
		}
		return nil, fmt.Errorf("vault: key is not valid standard base64%s: %w", hint, err)
	}
	if len(k) != KeySize {
		return nil, fmt.Errorf("vault: key decodes to %d bytes, want %d", len(k), KeySize)
	}
	return k, nil
}

// isHex reports whether s consists only of hexadecimal digits.
func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// LoadOrCreateKeyFile reads the base64 master key stored at path. If the
// file does not exist, it generates a key, creates the parent folder (mode
// 0700) if needed, writes the key followed by a newline to a new file with
// mode 0600, and returns created=true. An existing file that does not hold
// a valid key is an error; it is never overwritten.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := DecodeKey(string(data))
		if err != nil {
			return nil, false, fmt.Errorf("key file %s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("vault: reading key file: %w", err)
	}

	key, err = GenerateKey()
	if err != nil {
		return nil, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("vault: creating key folder: %w", err)
	}
	// O_EXCL: never replace a key another process has just written.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, false, fmt.Errorf("vault: reading key file: %w", err)
		}
		key, err := DecodeKey(string(data))
		if err != nil {
			return nil, false, fmt.Errorf("key file %s: %w", path, err)
		}
		return key, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("vault: creating key file: %w", err)
	}
	werr := writeKey(f, key)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("vault: writing key file: %w", werr)
	}
	// Make the new directory entry durable; best effort.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return key, true, nil
}

// writeKey writes the encoded key to f, forces mode 0600 regardless of the
// umask, and syncs it to disk.
func writeKey(f *os.File, key []byte) error {
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.WriteString(EncodeKey(key) + "\n"); err != nil {
		return err
	}
	return f.Sync()
}
