package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// testKey returns a deterministic 32-byte key starting with b.
func testKey(b byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

func mustNew(t *testing.T, key []byte) *Vault {
	t.Helper()
	v, err := New(key)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

func hmacHex(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func TestNewKeySize(t *testing.T) {
	for _, n := range []int{0, 1, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New with %d-byte key succeeded", n)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := New(make([]byte, KeySize)); err != nil {
		t.Errorf("New with 32-byte key: %v", err)
	}
}

func TestNewDoesNotKeepCallerSlice(t *testing.T) {
	key := testKey(1)
	v := mustNew(t, key)
	sealed, err := v.Seal("secret")
	if err != nil {
		t.Fatal(err)
	}
	h := v.Hash("k", "v")
	for i := range key {
		key[i] = 0
	}
	if got, err := v.Open(sealed); err != nil || got != "secret" {
		t.Errorf("Open after caller zeroed key = %q, %v", got, err)
	}
	if v.Hash("k", "v") != h {
		t.Error("Hash changed after caller zeroed key")
	}
}

func TestRoundTrip(t *testing.T) {
	v := mustNew(t, testKey(1))
	tests := []string{
		"",
		"11010519491231002X",
		"张三 身份证号码",
		strings.Repeat("a", 10000),
		"\x00\xff binary-ish",
	}
	for _, pt := range tests {
		sealed, err := v.Seal(pt)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if len(sealed) != 1+12+len(pt)+16 {
			t.Errorf("len(Seal(%d bytes)) = %d, want %d", len(pt), len(sealed), 1+12+len(pt)+16)
		}
		if sealed[0] != 1 {
			t.Errorf("version byte = %d, want 1", sealed[0])
		}
		if len(pt) > 4 && bytes.Contains(sealed, []byte(pt)) {
			t.Errorf("sealed value contains the plaintext")
		}
		got, err := v.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if got != pt {
			t.Errorf("round trip = %q, want %q", got, pt)
		}
		// Another Vault from the same key opens it too.
		if got, err := mustNew(t, testKey(1)).Open(sealed); err != nil || got != pt {
			t.Errorf("Open with a second Vault from the same key = %q, %v", got, err)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	v := mustNew(t, testKey(1))
	seen := map[string]bool{}
	nonces := map[string]bool{}
	for i := 0; i < 100; i++ {
		s, err := v.Seal("11010519491231002X")
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(s)] {
			t.Fatalf("Seal produced the same output twice")
		}
		seen[string(s)] = true
		nonces[string(s[1:13])] = true
	}
	if len(nonces) != 100 {
		t.Errorf("%d distinct nonces in 100 seals", len(nonces))
	}
}

// TestKnownFormat seals by hand with the documented derivation and layout,
// so that an accidental change to either breaks this test rather than the
// data already in the database.
func TestKnownFormat(t *testing.T) {
	master := testKey(7)
	block, err := aes.NewCipher(hmacHex(master, "guanai/aes-gcm"))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := bytes.Repeat([]byte{0x42}, 12)
	sealed := append([]byte{1}, nonce...)
	sealed = aead.Seal(sealed, nonce, []byte("11010519491231002X"), []byte{1})

	got, err := mustNew(t, master).Open(sealed)
	if err != nil || got != "11010519491231002X" {
		t.Fatalf("Open(hand-sealed) = %q, %v", got, err)
	}

	// And the other way round: what Seal writes opens with the documented scheme.
	out, err := mustNew(t, master).Seal("hello")
	if err != nil {
		t.Fatal(err)
	}
	pt, err := aead.Open(nil, out[1:13], out[13:], out[:1])
	if err != nil || string(pt) != "hello" {
		t.Fatalf("documented scheme cannot open Seal output: %q, %v", pt, err)
	}
}

func TestOpenTampered(t *testing.T) {
	v := mustNew(t, testKey(1))
	sealed, err := v.Seal("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(sealed)
			b[i] ^= mask
			if got, err := v.Open(b); err == nil {
				t.Fatalf("Open with byte %d ^ %#x succeeded: %q", i, mask, got)
			} else if !errors.Is(err, ErrOpen) {
				t.Fatalf("byte %d: error %v does not wrap ErrOpen", i, err)
			}
		}
	}
	// Truncated and extended.
	for n := 0; n < len(sealed); n++ {
		if _, err := v.Open(sealed[:n]); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open of first %d bytes: %v", n, err)
		}
	}
	if _, err := v.Open(append(bytes.Clone(sealed), 0)); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with a trailing byte: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	v := mustNew(t, testKey(1))
	good, err := v.Seal("x")
	if err != nil {
		t.Fatal(err)
	}
	v2 := bytes.Clone(good)
	v2[0] = 2
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"nil", nil, "too short"},
		{"header only", good[:13], "too short"},
		{"one short of minimum", good[:28], "too short"},
		{"version 2", v2, "unknown format version 2"},
		{"version 0", append([]byte{0}, good[1:]...), "unknown format version 0"},
		{"garbage", bytes.Repeat([]byte{1}, 40), "authentication failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Open(tt.in)
			if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %v, want ErrOpen containing %q", err, tt.want)
			}
		})
	}
}

func TestOpenWrongKey(t *testing.T) {
	a := mustNew(t, testKey(1))
	b := mustNew(t, testKey(2))
	sealed, err := a.Seal("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(sealed); err == nil || !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with the wrong key = %q, %v", got, err)
	}
	// A key differing in one bit is also wrong.
	k := testKey(1)
	k[31] ^= 1
	if _, err := mustNew(t, k).Open(sealed); err == nil {
		t.Fatal("Open with a key differing in one bit succeeded")
	}
}

func TestHash(t *testing.T) {
	v := mustNew(t, testKey(1))
	same := mustNew(t, testKey(1))
	other := mustNew(t, testKey(2))
	h := v.Hash("idcard", "11010519491231002X")

	if len(h) != 64 {
		t.Fatalf("len(Hash) = %d, want 64", len(h))
	}
	if _, err := hex.DecodeString(h); err != nil || strings.ToLower(h) != h {
		t.Fatalf("Hash %q is not lower-case hex", h)
	}
	// Documented construction: HMAC-SHA256(HMAC-SHA256(master, "guanai/hmac"), kind NUL value).
	want := hex.EncodeToString(hmacHex(hmacHex(testKey(1), "guanai/hmac"), "idcard\x0011010519491231002X"))
	if h != want {
		t.Errorf("Hash = %s, want %s", h, want)
	}

	tests := []struct {
		name string
		got  string
		same bool
	}{
		{"deterministic", v.Hash("idcard", "11010519491231002X"), true},
		{"same key, other Vault", same.Hash("idcard", "11010519491231002X"), true},
		{"other kind", v.Hash("phone", "11010519491231002X"), false},
		{"other value", v.Hash("idcard", "110105194912310021"), false},
		{"other key", other.Hash("idcard", "11010519491231002X"), false},
		{"separator prevents shifting", v.Hash("idcard1", "1010519491231002X"), false},
		{"not a plain SHA-256", hex.EncodeToString(sha256New("idcard\x0011010519491231002X")), false},
		{"not keyed with the AES sub-key", hex.EncodeToString(hmacHex(hmacHex(testKey(1), "guanai/aes-gcm"), "idcard\x0011010519491231002X")), false},
	}
	for _, tt := range tests {
		if (tt.got == h) != tt.same {
			t.Errorf("%s: equal = %v, want %v", tt.name, tt.got == h, tt.same)
		}
	}
	if v.Hash("", "") == v.Hash("", "\x00") {
		t.Error("Hash of empty and NUL values collide")
	}
}

func sha256New(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func TestSubKeysIndependent(t *testing.T) {
	master := testKey(1)
	aesKey := hmacHex(master, "guanai/aes-gcm")
	macKey := hmacHex(master, "guanai/hmac")
	if bytes.Equal(aesKey, macKey) || bytes.Equal(aesKey, master) || bytes.Equal(macKey, master) {
		t.Fatal("derived keys coincide")
	}
	v := mustNew(t, master)
	if !bytes.Equal(v.macKey, macKey) {
		t.Error("macKey is not HMAC-SHA256(master, \"guanai/hmac\")")
	}
}

func TestFingerprint(t *testing.T) {
	a := mustNew(t, testKey(1))
	fp := a.Fingerprint()
	if len(fp) != 16 {
		t.Fatalf("len(Fingerprint) = %d, want 16", len(fp))
	}
	if _, err := hex.DecodeString(fp); err != nil {
		t.Fatalf("Fingerprint %q is not hex", fp)
	}
	want := hex.EncodeToString(hmacHex(testKey(1), "guanai/fingerprint"))[:16]
	if fp != want {
		t.Errorf("Fingerprint = %s, want %s", fp, want)
	}
	if mustNew(t, testKey(1)).Fingerprint() != fp {
		t.Error("Fingerprint is not deterministic")
	}
	if mustNew(t, testKey(2)).Fingerprint() == fp {
		t.Error("different keys have the same fingerprint")
	}
	if strings.HasPrefix(a.Hash("", ""), fp) || strings.HasPrefix(hex.EncodeToString(a.macKey), fp) {
		t.Error("Fingerprint reveals a sub-key or hash")
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != KeySize || len(b) != KeySize {
		t.Fatalf("key sizes %d, %d", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Fatal("two generated keys are equal")
	}
	if _, err := New(a); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeDecodeKey(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s := EncodeKey(k)
	if len(s) != EncodedKeySize {
		t.Fatalf("len(EncodeKey) = %d, want %d", len(s), EncodedKeySize)
	}
	if s != base64.StdEncoding.EncodeToString(k) {
		t.Fatal("EncodeKey is not standard base64")
	}
	for _, in := range []string{s, s + "\n", "  " + s + "\r\n", "\t" + s} {
		got, err := DecodeKey(in)
		if err != nil {
			t.Fatalf("DecodeKey(%q): %v", in, err)
		}
		if !bytes.Equal(got, k) {
			t.Fatalf("DecodeKey(%q) round trip mismatch", in)
		}
	}
}

func TestDecodeKeyErrors(t *testing.T) {
	good := EncodeKey(testKey(0xf0))
	urlSafe := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff}, 16))
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "key is empty"},
		{"blank", " \n\t", "key is empty"},
		{"too short", good[:43], "must be 44 characters of standard base64 (32 bytes), got 43 characters"},
		{"unpadded", strings.TrimRight(good, "="), "got 43 characters"},
		{"too long", good + "AAAA", "got 48 characters"},
		{"16-byte key", base64.StdEncoding.EncodeToString(make([]byte, 16)), "got 24 characters"},
		{"hex", hex.EncodeToString(testKey(1)), "looks like hex"},
		{"url-safe", urlSafe, "URL-safe"},
		{"illegal character", "!" + good[1:], "not valid standard base64"},
		{"inner space", good[:20] + " " + good[21:], "not valid standard base64"},
		{"31 bytes in 44 characters", base64.StdEncoding.EncodeToString(make([]byte, 31)), "decodes to 31 bytes, want 32"},
		{"non-canonical padding bits", good[:42] + "B=", "not valid standard base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := DecodeKey(tt.in)
			if err == nil {
				t.Fatalf("DecodeKey(%q) = %x, want error", tt.in, k)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeKey(%q) error %q, want it to mention %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "deeper", "master.key")

	key, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if !created || len(key) != KeySize {
		t.Fatalf("create: created=%v len=%d", created, len(key))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != EncodeKey(key)+"\n" {
		t.Errorf("file holds %q, want the base64 key and a newline", data)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm()&0o077 != 0 {
			t.Errorf("created folder mode = %v, want no group/other access", di.Mode().Perm())
		}
	}

	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if created {
		t.Error("reload: created = true")
	}
	if !bytes.Equal(again, key) {
		t.Error("reload gave a different key")
	}
	if mustNew(t, again).Fingerprint() != mustNew(t, key).Fingerprint() {
		t.Error("fingerprints differ after reload")
	}
}

func TestLoadOrCreateKeyFileExisting(t *testing.T) {
	dir := t.TempDir()
	k := testKey(9)
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{"operator-written with spaces", "  " + EncodeKey(k) + "\r\n\n", ""},
		{"no newline", EncodeKey(k), ""},
		{"empty file", "", "key is empty"},
		{"hex", hex.EncodeToString(k), "looks like hex"},
		{"garbage", "not a key", "got 9 characters"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, string(rune('a'+i))+".key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, created, err := LoadOrCreateKeyFile(path)
			if created {
				t.Error("created = true for an existing file")
			}
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(got, k) {
					t.Fatalf("got %x, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want it to mention %q and the path", err, tt.wantErr)
			}
			// A bad key file is never overwritten.
			data, _ := os.ReadFile(path)
			if string(data) != tt.content {
				t.Errorf("bad key file was modified: %q", data)
			}
		})
	}
}

func TestLoadOrCreateKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	// The path is a directory.
	if _, _, err := LoadOrCreateKeyFile(dir); err == nil {
		t.Error("directory as key file: no error")
	}
	// The parent is a regular file.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKeyFile(filepath.Join(file, "master.key")); err == nil {
		t.Error("parent is a file: no error")
	}
}

func TestConcurrentUse(t *testing.T) {
	v := mustNew(t, testKey(3))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s, err := v.Seal("11010519491231002X")
				if err != nil {
					t.Error(err)
					return
				}
				pt, err := v.Open(s)
				if err != nil || pt != "11010519491231002X" {
					t.Errorf("Open = %q, %v", pt, err)
					return
				}
				_ = v.Hash("idcard", pt)
			}
		}()
	}
	wg.Wait()
}
